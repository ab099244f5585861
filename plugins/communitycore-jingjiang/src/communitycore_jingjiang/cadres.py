"""Cadre statistics as 《创新迎来社区党建新格局》 reports them after the 换届.

"社区党组织书记大专以上文化的18人，占75%；110名社区干部中，大专以上学历的55人，平均年龄40.8岁."

The figures come from what the member records already hold (``education``, ``post``,
``birth_date``), read through the SDK; nothing is added to the core records. A community's Party
organization is a unit directly under a street committee (or a 社区党委 wherever it sits); its
cadres (社区干部) are the members attached to it who hold a committee post (书记, 副书记, 委员 …),
its secretary the one whose post is 书记. The roll holds Party members only, so community staff
who are not Party members are not counted.

The host's roll-ups (``community.org.stats``) count every committee post of a subtree, the
branches' included, and average exact ages; these figures keep to the article's reading.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from typing import Any

from communitycore.domain.members import COMMITTEE_POSTS, Education, Member, Post, completed_years

#: 大专以上: 大专 (associate) and every level above it.
COLLEGE = Education.ASSOCIATE
STREET_KIND = "street-committee"
COMMUNITY_COMMITTEE = "community-committee"


def is_college(member: Member) -> bool:
    """Whether the member's recorded education is 大专 or above."""
    return member.education is not None and member.education.rank >= COLLEGE.rank


def _share(part: int, whole: int) -> float | None:
    return None if whole == 0 else round(part / whole, 4)


def _group(members: Sequence[Member], today: dt.date) -> dict[str, Any]:
    """Count, 大专以上 and its share, average age, and how many lack the data."""
    college = sum(1 for m in members if is_college(m))
    ages = [completed_years(m.birth_date, today) for m in members if m.birth_date is not None]
    return {
        "count": len(members),
        "college": college,
        "college_share": _share(college, len(members)),
        "education_unknown": sum(1 for m in members if m.education is None),
        "average_age": None if not ages else round(sum(ages) / len(ages), 1),
        "age_unknown": len(members) - len(ages),
    }


def community_units(units: Iterable[Any], parent_kinds: dict[int, str]) -> list[Any]:
    """The community Party organizations among ``units``: under a street committee, or 社区党委."""
    return [u for u in units if u.kind == COMMUNITY_COMMITTEE
            or (u.parent_id is not None and parent_kinds.get(u.parent_id) == STREET_KIND)]


def cadre_statistics(community: Any, unit: Any) -> dict[str, Any]:
    """The statistics for the communities of ``unit``'s subtree (a street, or one community)."""
    units = community.org.subtree(unit)
    root = units[0]
    kinds = {u.id: u.kind for u in units}
    if root.parent_id is not None and root.parent_id not in kinds:
        kinds[root.parent_id] = community.org.get(root.parent_id).kind
    communities = community_units(units, kinds)
    ids = {u.id for u in communities}
    members = [m for m in community.members.list(unit, limit=None) if m.unit_id in ids]
    cadres = [m for m in members if m.post is not None and m.post.value in COMMITTEE_POSTS]
    secretaries = [m for m in cadres if m.post is Post.SECRETARY]
    today = community.clock.today()
    per_unit = []
    for u in communities:
        own = [m for m in cadres if m.unit_id == u.id]
        secretary = [m for m in own if m.post is Post.SECRETARY]
        per_unit.append({"unit_id": u.id, "name": u.name, "kind": u.kind, "cadres": len(own),
                         "secretary_college": None if not secretary else is_college(secretary[0]),
                         "average_age": _group(own, today)["average_age"]})
    return {
        "unit": community.org.path_of(root.id),
        "on": today,
        "communities": len(communities),
        "communities_without_secretary": sum(1 for row in per_unit if row["secretary_college"] is None),
        "secretaries": _group(secretaries, today),
        "cadres": _group(cadres, today),
        "by_community": per_unit,
    }
