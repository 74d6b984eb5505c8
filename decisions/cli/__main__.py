"""``python -m decisions.cli``: the same entry point as the ``juece`` command."""

from decisions.cli import main

main()
