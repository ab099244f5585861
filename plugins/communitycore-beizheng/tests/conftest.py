"""Opt in to communitycore's fixtures (``community``, ``cli_runner``) and register this plugin."""

import communitycore_beizheng
import pytest

pytest_plugins = ["communitycore.testing.pytest_plugin"]


@pytest.fixture
def communitycore_plugins():
    """The 北正 plugin beside the national builtins."""
    return [communitycore_beizheng]
