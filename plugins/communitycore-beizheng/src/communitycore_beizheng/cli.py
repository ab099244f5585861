"""``community beizheng …``: the quarterly feedback to the in-service members' employers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from communitycore.cli.render import dumps, output_options, state
from communitycore.i18n import _, ngettext


def _text(feedback: dict[str, Any]) -> list[str]:
    """One heading per employer, one line per member, in the command's language."""
    lines = [ngettext("{unit} {quarter}: {count} in-service member", "{unit} {quarter}: {count} in-service members",
                      feedback["members"]).format(unit=feedback["unit"], quarter=feedback["quarter"],
                                                  count=feedback["members"])]
    for group in feedback["employers"]:
        employer = group["employer"] or _("(no employer on record)")
        if group["partner_id"] is None:
            employer = _("{employer} (not a partner)").format(employer=employer)
        else:
            employer = _("{employer} (partner {partner}, feedback sent {sent})").format(
                employer=employer, partner=group["partner_id"], sent=group["feedback_sent"])
        lines.append(employer)
        for m in group["members"]:
            lines.append("  " + _(
                "{id} {name}: appearances {appearances}, contacts {contacts}, posts {posts}, {hours} h, "
                "services received {services}").format(
                id=m["member_id"], name=m["name"], appearances=m["appearances"], contacts=m["contacts"],
                posts=m["posts_claimed"], hours=m["volunteer_hours"], services=m["services_received"]))
    return lines


def register(cli: click.Group) -> None:
    """Add the ``beizheng`` group to the host's command line."""

    @cli.group("beizheng")
    def beizheng() -> None:
        """北正: the joint meeting and the in-service members' two-way mechanism."""

    @beizheng.command("feedback")
    @click.option("--unit", required=True, metavar="UNIT", help="The community (or the street above it).")
    @click.option("--quarter", required=True, metavar="QUARTER", help="The quarter, e.g. 2026Q3.")
    @click.option("--out", type=click.Path(dir_okay=False, path_type=Path),
                  help="Also write the feedback to FILE (.csv or .xlsx).")
    @click.option("--record", is_flag=True, help="Record the feedback as sent (bz-feedback-sent) to each partner.")
    @click.option("--reveal", is_flag=True, help="Show the members' names in full (audited).")
    @click.option("--reason", help="Why the names are shown in full, kept in the audit trail.")
    @output_options
    def feedback(unit: str, quarter: str, out: Path | None, record: bool, reveal: bool, reason: str | None) -> None:
        """双向反馈: per employer, each in-service member's two-way steps over QUARTER."""
        from communitycore_beizheng import feedback as fb

        app = state()
        found = fb.employer_feedback(app.community, unit, quarter, reveal=reveal, reason=reason)
        if record:
            fb.record_feedback(app.community, found)
        if out is not None:
            fb.write(found, out)
        if app.as_json:
            click.echo(dumps(found))
            return
        for line in _text(found):
            click.echo(line)
