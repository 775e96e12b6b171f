"""Search app: the knowledge-base site, the search page and the JSON API in one Flask app."""

from .app import create_app

__version__ = "0.1.0"
__all__ = ["create_app", "__version__"]
