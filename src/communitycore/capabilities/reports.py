"""Reports: the dashboard of a subtree (HTML with inline SVG charts) and the same figures as a workbook.

Reports have no tables and no actions of their own: they read through the other capabilities'
sub-APIs, whose grants apply.
"""

from __future__ import annotations

from communitycore.capabilities import Capability

CAPABILITY = Capability(
    name="reports",
    label="报表",
    label_en="Reports",
    commands=("communitycore.cli.report:report",),
)
