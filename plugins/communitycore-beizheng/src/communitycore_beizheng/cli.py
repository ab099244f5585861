"""``community beizheng …``: the quarterly feedback to the in-service members' employers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from communitycore.cli.render import dumps, output_options, state
from communitycore.i18n import localized


def _text(feedback: dict[str, Any]) -> list[str]:
    """One heading per employer, one line per member, in the command's language."""
    lines = [localized(f"{feedback['unit']} {feedback['quarter']}：在职党员{feedback['members']}名",
                       f"{feedback['unit']} {feedback['quarter']}: {feedback['members']} in-service members")]
    for group in feedback["employers"]:
        employer = group["employer"] or localized("（未登记工作单位）", "(no employer on record)")
        if group["partner_id"] is None:
            employer += localized("（非共建单位）", " (not a partner)")
        else:
            employer += localized(f"（共建单位{group['partner_id']}，本季已反馈{group['feedback_sent']}次）",
                                  f" (partner {group['partner_id']}, feedback sent {group['feedback_sent']})")
        lines.append(employer)
        for m in group["members"]:
            lines.append("  " + localized(
                f"{m['member_id']} {m['name']}：亮相{m['appearances']} 联系{m['contacts']} 岗位{m['posts_claimed']} "
                f"服务{m['volunteer_hours']}小时 社区服务{m['services_received']}",
                f"{m['member_id']} {m['name']}: appearances {m['appearances']}, contacts {m['contacts']}, "
                f"posts {m['posts_claimed']}, {m['volunteer_hours']} h, services received {m['services_received']}"))
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
