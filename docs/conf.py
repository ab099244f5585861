"""Sphinx configuration for the communitycore documentation.

Build (warnings are errors, every cross-reference must resolve)::

    sphinx-build -n -W --keep-going -b html docs docs/_build/html

No intersphinx: the build must work offline, so references to the standard library and to
third-party packages are written as literals, and the few that autodoc cannot avoid are listed
in ``nitpick_ignore`` below.
"""

from __future__ import annotations

import sys
from pathlib import Path

HERE = Path(__file__).parent
sys.path.insert(0, str(HERE / "_ext"))

import communitycore  # noqa: E402 - after the path set-up above

project = "communitycore"
author = "communitycore developers"
copyright = "communitycore developers"  # noqa: A001 - Sphinx's name for it
version = release = communitycore.__version__
language = "en"

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.viewcode",
    "myst_parser",
    "sphinx_click",
    # Local extensions, in docs/_ext:
    "glossary_check",  # fails the build when a code is missing from glossary.md
    "xref_fallback",  # resolves short names such as `Community` to the one object that has them
]

source_suffix = {".rst": "restructuredtext", ".md": "markdown"}
root_doc = "index"
exclude_patterns = ["_build", "Thumbs.db", ".DS_Store", ".gitignore"]
templates_path: list[str] = []

# Smart quotes stay, but "--" is never turned into an en dash: the CLI reference and the guides
# quote options such as --json and --reveal, which must read (and copy) as typed.
smartquotes_action = "qe"

# MyST: ::: fences for directives, heading anchors for links such as [x](concepts.md#settings).
myst_enable_extensions = ["colon_fence", "deflist"]
myst_heading_anchors = 3

# autodoc: source order reads like the code. Type hints are rendered where a reader needs them
# (each record field and attribute shows its type; each documented parameter too) and stay out
# of the signatures, which would otherwise be a line of types per call.
autodoc_member_order = "bysource"
autodoc_typehints = "description"
autodoc_typehints_description_target = "documented"
autoclass_content = "class"

nitpicky = True
# Third-party classes that appear as base classes or in docstrings and have no target without
# intersphinx. Keep this list short.
nitpick_ignore = [
    ("py:class", "pluggy._manager.PluginManager"),  # base class of CommunityPluginManager
]
# Types from the standard library and third-party packages, as the field types name them: they
# render as plain text (there is no intersphinx to link them to). `dt` is the modules' own name
# for `datetime`. Types of communitycore itself are never listed here: they must resolve.
nitpick_ignore_regex = [
    ("py:class", r"(collections\.abc|datetime|dt|decimal|fractions|os|zoneinfo|sqlalchemy|click)\..+"),
]

html_theme = "furo"
html_title = f"communitycore {release}"
html_static_path: list[str] = []
html_theme_options = {"navigation_with_keys": True}
