"""The sample records the portal serves: a street, one community committee and two branches.

Everything is added through the SDK as the portal's administrator, so every change is audited,
and dated from the community's clock, so a fixed clock always gives the same records.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from communitycore import Community

STREET = "城南街道党工委"
COMMITTEE = f"{STREET}/幸福社区党委"
GRID_1 = f"{COMMITTEE}/第一网格党支部"
GRID_2 = f"{COMMITTEE}/第二网格党支部"

#: The portal's own users: login, display name, communitycore role and the unit it covers (None: all).
USERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("zhang", "张建国", "secretary", GRID_1),
    ("chen", "陈刚", "secretary", GRID_2),
    ("wang", "王协调", "service-coordinator", COMMITTEE),
    ("li", "李审计", "auditor", None),
)

# name, branch, 公民身份号码, post; the numbers are valid (check digit and all) and invented.
_MEMBERS: tuple[tuple[str, str, str, str | None], ...] = (
    ("张建国", GRID_1, "34052419800101001X", "书记"),
    ("李芳", GRID_1, "120103198806018241", "组织委员"),
    ("王强", GRID_1, "360426199101010071", "宣传委员"),
    ("陈刚", GRID_2, "230306196304054513", "书记"),
    ("赵敏", GRID_2, "110101199003074514", None),
)


def quarter_before(day: dt.date) -> str:
    """The last whole quarter before ``day``, as a period (``2026Q3``)."""
    quarter = (day.month - 1) // 3  # the current quarter, 0-based, is the one to step back from
    return f"{day.year - 1}Q4" if quarter == 0 else f"{day.year}Q{quarter}"


def first_day(period: str) -> dt.date:
    """The first day of a quarter written ``2026Q3``."""
    year, quarter = period.split("Q")
    return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def build(community: Community) -> dict[str, Any]:
    """Add the sample records; returns the ids and the period the meetings and requests fall in."""
    org, members = community.org, community.members
    street = org.add(STREET, "street-committee")
    committee = org.add("幸福社区党委", "community-committee", street.id)
    grids = {path: org.add(path.rsplit("/", 1)[1], "grid-branch", committee.id) for path in (GRID_1, GRID_2)}
    people = {name: members.add(name, grids[branch].id, id_number=number, post=post, education="大专")
              for name, branch, number, post in _MEMBERS}

    period = quarter_before(community.clock.today())
    start = first_day(period)
    grid1 = grids[GRID_1].id
    # 第一网格 holds its monthly committee meeting twice in the quarter (one window missed) and its
    # quarterly general meeting; 第二网格 holds nothing.
    present = [people["张建国"].id, people["李芳"].id]
    for month in (start.month, start.month + 1):
        community.meetings.record(grid1, "branch-committee-meeting", on=start.replace(month=month, day=10),
                                  topic="支委会", host="张建国", recorder="李芳", minutes="研究本月工作",
                                  present=present, absent={people["王强"].id: "出差"})
    community.meetings.record(grid1, "branch-general-meeting", on=start.replace(day=20), topic="支部党员大会",
                              host="张建国", recorder="李芳", minutes="通报季度工作",
                              present=[*present, people["王强"].id])

    # Three requests at 第一网格 in the quarter: one evaluated satisfied, one resolved, one still open.
    services = community.services
    at = dt.datetime.combine(start.replace(day=5), dt.time(9), community.clock.tz)
    done = services.add_request(grid1, category="maintenance", channel="hotline", text="楼道灯不亮", at=at)
    resolved = services.add_request(grid1, category="care", channel="grid", text="独居老人买药",
                                    at=at + dt.timedelta(days=1))
    services.add_request(grid1, category="mediation", channel="walk-in", text="邻里噪音纠纷",
                         at=at + dt.timedelta(days=2))
    for request, hours in ((done, 2), (resolved, 5)):
        step = at + dt.timedelta(days=3)
        services.accept(request.id, at=step)
        services.assign(request.id, at=step + dt.timedelta(hours=1))
        services.start(request.id, at=step + dt.timedelta(hours=2))
        services.resolve(request.id, at=step + dt.timedelta(hours=hours))
    services.evaluate(done.id, solved=True, satisfaction="满意", at=at + dt.timedelta(days=4))
    return {"street": street.id, "committee": committee.id, "grid1": grid1, "grid2": grids[GRID_2].id,
            "members": {name: member.id for name, member in people.items()}, "period": period}
