"""Opt in to communitycore's fixtures: ``community`` and ``cli_runner``."""

pytest_plugins = ["communitycore.testing.pytest_plugin"]
