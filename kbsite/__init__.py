"""Sphinx extension of the Wijkteam Kennisbank: page model, listings, citations, passages."""

from .setup import setup

__all__ = ["setup"]
