"""Quickstart: open a community, build a small organization tree, add members, read statistics and checks.

Run it with ``python examples/quickstart.py``; it works in a temporary folder and leaves nothing behind.
"""

from __future__ import annotations

import datetime as dt
import tempfile
from pathlib import Path

import communitycore


def main() -> None:
    with tempfile.TemporaryDirectory() as folder, \
            communitycore.open(Path(folder) / "community.db", actor="quickstart",
                               autoload=False, create=True) as community:
        org, members = community.org, community.members

        # The tree: 街道党工委 → 社区党委 → 网格党支部 → 楼栋党小组.
        street = org.add("城南街道党工委", "street-committee")
        committee = org.add("幸福社区党委", "community-committee", street.id, term_start="2021-06-01")
        grid1 = org.add("第一网格党支部", "grid-branch", committee.id)
        grid2 = org.add("第二网格党支部", "grid-branch", committee.id)
        org.add("3号楼党小组", "party-group", grid1.id)
        org.add_compound("幸福里", "老旧小区", grid1.id)

        # Members: the 公民身份号码 is checked, and birth date and gender are read from it.
        members.add("张建国", grid1.id, id_number="34052419800101001X", education="大专", post="书记",
                    join_date="2003-07-01")
        members.add("李芳", grid1.id, id_number="120103198806018241", education="本科", post="组织委员")
        members.add("王强", grid1.id, id_number="360426199101010071", education="高中", post="宣传委员")
        members.add("赵敏", grid2.id, birth_date="1995-05-04", gender="女", education="研究生",
                    category="预备党员", join_date=community.clock.today() - dt.timedelta(days=380))
        members.add("陈刚", "城南街道党工委/幸福社区党委/第二网格党支部", id_number="230306196304054513",
                    education="初中", post="书记")

        print("Organization tree:")
        for line in org.tree():
            print(f"  {'  ' * line.depth}{line.unit.name} [{line.unit.kind}]")

        [stats] = org.stats(street.id)
        share = stats.secretaries_associate_or_above_share
        print(f"\n{street.name}: {stats.units} units, {stats.members} members "
              f"({stats.full} full, {stats.probationary} probationary), average age {stats.average_age}")
        print(f"  by gender: {stats.by_gender}")
        if share is not None:
            print(f"  secretaries with 大专 or above: {stats.secretaries_associate_or_above}/{stats.secretaries}"
                  f" ({share:.0%}); cadre average age {stats.cadre_average_age}")

        print("\nStructure findings:")
        for finding in org.check():
            print(f"  [{finding.severity.value}] {finding.unit}: {finding.message}")

        print("\nDue for confirmation (转正):")
        for due in members.due_confirmation():
            print(f"  {due.member.name}: probation ended {due.probation_ended}")

        print(f"\nAudit trail: {len(community.audit.list(limit=None))} entries, newest: "
              f"{community.audit.list(limit=1)[0].action}")


if __name__ == "__main__":
    main()
