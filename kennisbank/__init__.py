"""Wijkteam Kennisbank: settings and the `kb` command line."""

__version__ = "0.1.0"
