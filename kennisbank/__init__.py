"""Wijkteam Kennisbank: the `kb` command line (settings and errors live in kbcore)."""

__version__ = "0.1.0"
