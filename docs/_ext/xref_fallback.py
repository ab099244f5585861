"""Resolve short Python references to the one documented object that carries the name.

The library's docstrings are written for readers of the source: they say ``:class:`Community```
or ``:func:`communitycore_check_units``` where the rendered object is
``communitycore.Community`` or ``communitycore.plugins.hookspecs.communitycore_check_units``, and they
name records by their public import path (``communitycore.UnitKind``). Sphinx only looks for
such a name relative to the module being documented, so in nitpicky mode each of these would be
an unresolved reference.

On ``missing-reference`` this extension looks for documented objects of a fitting type whose
last name part equals the reference's last part, inside the ``communitycore`` package. If there
is exactly one, the reference points to it; if there are none or several, nothing is done and
Sphinx reports the reference as usual, so a real mistake still fails the build.
"""

from __future__ import annotations

from typing import Any

from docutils import nodes
from sphinx.addnodes import pending_xref
from sphinx.application import Sphinx
from sphinx.environment import BuildEnvironment
from sphinx.util.nodes import make_refnode

_COMPATIBLE = {
    "class": {"class", "exception", "data", "attribute"},
    "exc": {"exception", "class"},
    "func": {"function", "method"},
    "meth": {"method", "function", "property"},
    "data": {"data", "attribute"},
    "attr": {"attribute", "property", "data"},
    "obj": None,  # any type
    "mod": {"module"},
}


def _missing_reference(
    app: Sphinx, env: BuildEnvironment, node: pending_xref, contnode: nodes.TextElement
) -> nodes.reference | None:
    if node.get("refdomain") != "py":
        return None
    reftype = node.get("reftype", "obj")
    target = str(node.get("reftarget", "")).lstrip("~.")
    if not target:
        return None
    last = target.rsplit(".", 1)[-1]
    wanted = _COMPATIBLE.get(reftype)
    domain: Any = env.get_domain("py")
    matches = [
        (name, obj)
        for name, obj in domain.objects.items()
        if name.startswith("communitycore")
        and (name == last or name.endswith("." + last))
        and (wanted is None or obj.objtype in wanted)
        and not obj.aliased
    ]
    if len(matches) != 1:
        return None
    name, obj = matches[0]
    return make_refnode(app.builder, node["refdoc"], obj.docname, obj.node_id, contnode, name)


def setup(app: Sphinx) -> dict[str, Any]:
    app.connect("missing-reference", _missing_reference)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
