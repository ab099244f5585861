"""Opt-in pytest fixtures for plugin authors.

Enable them in your top-level ``conftest.py`` (they are not registered automatically, so they
never clash with fixtures of your own)::

    pytest_plugins = ["communitycore.testing.pytest_plugin"]

Then list your plugin once and use the fixtures::

    import pytest
    import communitycore_mytown

    @pytest.fixture
    def communitycore_plugins():
        return [communitycore_mytown]

    def test_market_branch(community):
        street = community.org.add("城南街道党工委", "street-committee")
        ...

    def test_command(cli_runner):
        result = cli_runner.invoke("org", "tree")
        assert result.exit_code == 0, result.output

Fixtures:

* ``communitycore_plugins``: the plugins to register beside the builtins (override it; default
  none);
* ``communitycore_clock``: the clock, fixed at :data:`communitycore.testing.FIXED_NOW`;
* ``community``: a :class:`~communitycore.Community` on a fresh SQLite file, builtins plus
  ``communitycore_plugins``, installed plugins not loaded, strict about plugin problems;
* ``cli_runner``: a :class:`CliRunner` bound to that community (``invoke``, ``json``, and ``help``
  for a command's help page in the default language or in ``lang``).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from communitycore.testing import FIXED_NOW, open_test_community

if TYPE_CHECKING:
    from click.testing import Result

    from communitycore.clock import Clock
    from communitycore.sdk.community import Community


class CliRunner:
    """Runs ``community`` commands in-process against one community (no ``--db`` needed)."""

    def __init__(self, community: Community) -> None:
        self.community = community

    def invoke(self, *args: str, input: str | None = None, catch_exceptions: bool = False) -> Result:  # noqa: A002
        """Run ``community ARGS...`` and return click's ``Result`` (``exit_code``, ``output``, ``stdout``).

        Exceptions other than click's own propagate (``catch_exceptions=False``) so a test
        shows the real traceback.
        """
        from click.testing import CliRunner as ClickRunner

        from communitycore.cli import make_cli
        from communitycore.cli.state import AppState

        state = AppState(community=self.community, pm=self.community.pm)
        cli = make_cli(state)
        return ClickRunner().invoke(cli, list(args), obj=state, input=input, catch_exceptions=catch_exceptions)

    def help(self, *command: str, lang: str | None = None) -> str:
        """The help page of ``community COMMAND... --help``, checked to succeed: in ``lang``, or in the
        default language (Chinese) whatever ``COMMUNITYCORE_LANG`` the environment sets."""
        from click.testing import CliRunner as ClickRunner

        from communitycore.cli import make_cli
        from communitycore.cli.state import AppState

        state = AppState(community=self.community, pm=self.community.pm)
        chosen = ("--lang", lang) if lang else ()
        result = ClickRunner(env={"COMMUNITYCORE_LANG": None}).invoke(
            make_cli(state), [*chosen, *command, "--help"], obj=state, catch_exceptions=False)
        assert result.exit_code == 0, result.output
        return result.output

    def json(self, *args: str) -> Any:
        """Run ``community --json ARGS...``, check it succeeded and return the parsed output."""
        result = self.invoke("--json", *args)
        assert result.exit_code == 0, result.output
        return json.loads(result.stdout)


@pytest.fixture
def communitycore_plugins() -> list[object]:
    """The plugins under test, registered after the builtins; override this fixture."""
    return []


@pytest.fixture
def communitycore_clock() -> Clock:
    """The community's clock, fixed at :data:`~communitycore.testing.FIXED_NOW`."""
    from communitycore.clock import Clock

    return Clock("Asia/Shanghai", fixed=FIXED_NOW)


@pytest.fixture
def community(
    tmp_path: Path, communitycore_plugins: list[object], communitycore_clock: Clock
) -> Iterator[Community]:
    """A community on a fresh SQLite file: builtins plus ``communitycore_plugins``."""
    with open_test_community(tmp_path, *communitycore_plugins, clock=communitycore_clock) as c:
        yield c


@pytest.fixture
def cli_runner(community: Community) -> CliRunner:
    """A :class:`CliRunner` bound to the ``community`` fixture."""
    return CliRunner(community)
