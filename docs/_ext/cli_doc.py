"""The ``community`` command group as a module attribute, for sphinx-click.

The CLI is built by a factory, :func:`communitycore.cli.make_cli`, so that each run (and each
test) gets a fresh group with the commands of the plugins it loaded; sphinx-click, however, wants
a group object at ``module:attribute``. This module builds one with the builtin plugins only, so
the reference shows the library's own commands whatever happens to be installed where the docs
are built. Nothing is opened: building the group touches no database.
"""

from __future__ import annotations

from communitycore.cli import make_cli
from communitycore.cli.state import AppState
from communitycore.plugins.manager import make_plugin_manager

cli = make_cli(AppState(pm=make_plugin_manager(autoload=False)))
