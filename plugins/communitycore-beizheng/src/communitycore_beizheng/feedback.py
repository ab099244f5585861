"""双向反馈: each quarter the community tells every employer what its in-service members did.

An in-service member (在职党员) registers with the community where they live (双报到,
``community.members.register_community``). The community then records the two-way steps in the
activity ledger: 双向认识 (``bz-public-appearance``), 双向联系 (``bz-contact-card``), 双向服务 (the
national ``volunteer-hours``, ``bz-post-claimed`` and ``bz-service-received``); the feedback itself
is ``bz-feedback-sent`` on the employer, a partner (驻区单位 or 共建单位) of the community.

The feedback groups the members registered with the unit's subtree by their employer (the
member's 工作单位, matched by name to the partners linked in the subtree) and gives each
member's steps over the quarter. Everything is read through the SDK, so the actor's grants apply.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from decimal import Decimal
from typing import Any

from communitycore import InvalidValue, Period
from communitycore.i18n import _, localized

#: Member facts of the feedback: the column each fills.
MEMBER_FACTS = {
    "bz-public-appearance": "appearances",
    "bz-contact-card": "contacts",
    "bz-post-claimed": "posts_claimed",
    "volunteer-hours": "volunteer_hours",
    "bz-service-received": "services_received",
}
#: Partner facts: the employer's side of 双向反馈.
PARTNER_FACTS = {"bz-feedback-sent": "feedback_sent", "bz-feedback-received": "feedback_received"}
FEEDBACK_SENT = "bz-feedback-sent"


def mask_name(name: str) -> str:
    """A name as the feedback shows it by default: the surname only, ``"张**"``."""
    return name[:1] + "*" * max(len(name) - 1, 1) if len(name) > 1 else "*"


def quarter_of(text: str | Period) -> Period:
    """The quarter ``text`` names (``2026Q3``, ``2026年第三季度``); anything else is refused."""
    period = text if isinstance(text, Period) else Period.parse(str(text))
    if period.kind != "quarter":
        raise InvalidValue(_("feedback is quarterly: {text!r} is not a quarter (e.g. 2026Q3)").format(text=text))
    return period


def _number(value: Decimal | None) -> int | float:
    if value is None:
        return 0
    return int(value) if value == value.to_integral_value() else float(value)


def employer_feedback(community: Any, unit: Any, quarter: str | Period, *, reveal: bool = False,
                      reason: str | None = None) -> dict[str, Any]:
    """The feedback of ``unit``'s subtree for ``quarter``: one group per employer, one row per member.

    Names are masked unless ``reveal`` (which needs a ``reason`` where the deployment asks for
    one, and is audited as ``member.reveal``).
    """
    span = quarter_of(quarter)
    units = community.org.subtree(unit)
    paths = community.org.paths_of([u.id for u in units])
    ids = set(paths)
    registered: dict[int, Any] = {}
    for reg in community.members.registrations():
        if reg.community_unit_id in ids and reg.reported_on <= span.end:
            registered[reg.member_id] = reg  # by date: the latest registration stays
    members = [community.members.get(i) for i in sorted(registered)]
    members = [m for m in members if m.in_service and (m.removed_on is None or m.removed_on >= span.start)]
    names = {m.id: mask_name(m.name) for m in members}
    if reveal and members:
        names = {m.id: m.name for m in community.members.reveal_many([m.id for m in members], reason=reason)}
    member_ids = {m.id for m in members}
    values: dict[int, dict[str, Decimal | None]] = {}
    for v in community.activity.values(list(MEMBER_FACTS), span, subject_kind="member"):
        if v.subject_id in member_ids:
            values.setdefault(v.subject_id, {})[v.fact] = v.value
    partners = {p.name: p for p in community.org.partners(units[0].id)}
    partner_values: dict[int, dict[str, Decimal | None]] = {}
    for v in community.activity.values(list(PARTNER_FACTS), span, subject_kind="partner"):
        partner_values.setdefault(v.subject_id, {})[v.fact] = v.value

    groups: dict[str, dict[str, Any]] = {}
    for member in members:
        employer = (member.employer or "").strip()
        group = groups.get(employer)
        if group is None:
            partner = partners.get(employer)
            group = groups[employer] = {
                "employer": employer or None,
                "partner_id": None if partner is None else partner.id,
                "partner_kind": None if partner is None else partner.kind,
                **{column: _number(partner_values.get(partner.id, {}).get(fact)) if partner else None
                   for fact, column in PARTNER_FACTS.items()},
                "members": [],
            }
        reg = registered[member.id]
        facts = values.get(member.id, {})
        group["members"].append({
            "member_id": member.id, "name": names[member.id], "community": paths[reg.community_unit_id],
            "reported_on": reg.reported_on,
            **{column: _number(facts.get(fact)) for fact, column in MEMBER_FACTS.items()},
        })
    ordered = sorted(groups.values(), key=lambda g: (g["partner_id"] is None, g["employer"] is None,
                                                     g["employer"] or ""))
    return {"unit": paths[units[0].id], "quarter": str(span), "start": span.start, "end": span.end,
            "members": len(members), "employers": ordered}


def record_feedback(community: Any, feedback: dict[str, Any], *, on: dt.date | None = None) -> list[int]:
    """Record ``bz-feedback-sent`` once for every partner employer in ``feedback``; returns their ids.

    The entry is dated the quarter's last day (today while the quarter runs), so it counts in the
    quarter it reports on; ``feedback`` is updated to include it.
    """
    day = on or min(community.clock.today(), feedback["end"])
    sent = []
    for group in feedback["employers"]:
        if group["partner_id"] is None:
            continue
        community.activity.record("partner", group["partner_id"], FEEDBACK_SENT, on=day,
                                  note=_("{quarter} in-service members' feedback").format(
                                      quarter=feedback["quarter"]))
        group["feedback_sent"] += 1
        sent.append(group["partner_id"])
    return sent


def rows(feedback: dict[str, Any]) -> tuple[list[str], list[list[Any]]]:
    """The feedback as one flat table (headers in the current language), for a spreadsheet."""
    headers = [localized(zh, en) for zh, en in (
        ("所在单位", "employer"), ("共建单位编号", "partner id"), ("党员编号", "member id"), ("姓名", "name"),
        ("报到社区", "community"), ("报到日期", "reported on"), ("公开亮相", "appearances"),
        ("联系卡", "contacts"), ("认领岗位", "posts claimed"), ("志愿服务时长", "volunteer hours"),
        ("社区服务", "services received"), ("本季反馈", "feedback sent"))]
    table: list[list[Any]] = []
    for group in feedback["employers"]:
        for m in group["members"]:
            table.append([group["employer"] or "", group["partner_id"], m["member_id"], m["name"], m["community"],
                          m["reported_on"].isoformat(), *[m[c] for c in MEMBER_FACTS.values()],
                          group["feedback_sent"]])
    return headers, table


def write(feedback: dict[str, Any], path: Any) -> Any:
    """Write the feedback to a ``.csv`` (UTF-8 with BOM) or ``.xlsx``, whole or not at all."""
    from communitycore.io.table_files import write_table

    headers, table = rows(feedback)
    return write_table(path, headers, table)


__all__: Sequence[str] = ["employer_feedback", "mask_name", "quarter_of", "record_feedback", "rows", "write"]
