"""`python -m kennisbank` is the same as the `kb` command."""
from .cli import main

main()
