"""Entry point for ``python -m stopit``."""

from stopit.cli import main

main()
