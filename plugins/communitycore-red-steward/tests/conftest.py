"""Opt in to communitycore's fixtures (``community``, ``cli_runner``) and register this plugin."""

import communitycore_red_steward
import pytest

pytest_plugins = ["communitycore.testing.pytest_plugin"]


@pytest.fixture
def communitycore_plugins():
    """The 红色管家 plugin beside the national builtins."""
    return [communitycore_red_steward]
