"""``community plugins new``: a ready-to-install plugin package, from the templates we ship.

The package installs with pip (setuptools, entry point group ``communitycore``) and passes its own
tests, written with :mod:`communitycore.testing`. Templates live in
``communitycore/testing/scaffold/`` as ``*.tmpl`` files filled with :class:`string.Template`.
"""

from __future__ import annotations

import os
import re
import string
from importlib import resources
from pathlib import Path

from communitycore.errors import Conflict, InvalidValue
from communitycore.i18n import _
from communitycore.io.files import CannotWrite

_NAME = re.compile(r"^[a-z][a-z0-9]*(?:-[a-z0-9]+)*$")
_DIST_PREFIX = "communitycore-"

#: Output file (relative to the package folder) -> template file; ``$module`` is filled in paths too.
FILES: dict[str, str] = {
    "pyproject.toml": "pyproject.toml.tmpl",
    "README.md": "README.md.tmpl",
    "src/$module/__init__.py": "plugin.py.tmpl",
    "tests/conftest.py": "conftest.py.tmpl",
    "tests/test_plugin.py": "test_plugin.py.tmpl",
}


def plugin_name(name: str) -> str:
    """The plugin's name from what a person typed: ``communitycore-`` is dropped, case kept strict."""
    cleaned = name.strip()
    if cleaned.startswith(_DIST_PREFIX):
        cleaned = cleaned[len(_DIST_PREFIX):]
    if not _NAME.match(cleaned):
        raise InvalidValue(
            _("plugin name {name!r} is not usable: use lower-case letters, digits and hyphens, starting with a "
              "letter (for example 'jingjiang' or 'demo-locality')").format(name=name),
            entity="plugin", key=name)
    return cleaned


def new_plugin(name: str, target_dir: str | os.PathLike[str] = ".") -> Path:
    """Create the package ``communitycore-<name>`` in ``target_dir`` and return its folder.

    It holds a ``pyproject.toml`` with the entry point ``<name>`` → ``communitycore_<name>``,
    a module with one example hook per family, tests using the testing kit, and a README.
    An existing folder is never overwritten.
    """
    from communitycore import __version__

    name = plugin_name(name)
    module = "communitycore_" + name.replace("-", "_")
    root = Path(target_dir) / f"{_DIST_PREFIX}{name}"
    if root.exists():
        raise Conflict(_("{root} already exists; choose another name or folder (nothing was written)").format(
            root=root), entity="file", key=str(root))
    values = {
        "name": name,
        "module": module,
        "kind": f"{name}-branch",
        "communitycore_version": __version__,
    }
    templates = resources.files("communitycore.testing") / "scaffold"
    for target, template in FILES.items():
        path = root / string.Template(target).substitute(values)
        text = string.Template(templates.joinpath(template).read_text(encoding="utf-8")).substitute(values)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
        except OSError as exc:  # a read-only or missing folder: the environment, told as such
            raise CannotWrite(path, exc) from None
    return root


__all__ = ["FILES", "new_plugin", "plugin_name"]
