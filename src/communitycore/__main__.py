"""``python -m communitycore``: the same as the ``community`` command."""

from communitycore.cli import main

main()
