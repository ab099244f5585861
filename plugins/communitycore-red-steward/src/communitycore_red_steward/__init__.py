"""communitycore plugin for the 红色管家 community: stewards in every compound, led by its branch.

Declarative first: every record (the 红色管家 roster programme and its quarterly review, the
branches' weekly Party class, monthly lecture and quarterly contest, the 共建联席会议 and the "x+N"
物业联席会议, the six service functions) lives in ``red_steward.toml``, a communitycore pack
shipped inside this package and read through the host's own pack loader. The Python holds only
what records cannot say: the goal tier of each compound (:mod:`.property_tiers`) and the
``community red-steward`` commands (:mod:`.commands`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from communitycore import Fact, MeetingType, Record, RosterProgram, ScoringScheme, ServiceProgram, hookimpl
from communitycore.i18n import add_catalog
from communitycore.plugins.packs import pack_records

if TYPE_CHECKING:
    import click

__version__ = "0.1.0"
#: The plugin's help texts in Chinese: ``locale/zh_CN/LC_MESSAGES/communitycore_red_steward.mo``,
#: registered as the package is imported, before any of its commands is used.
add_catalog("communitycore_red_steward", Path(__file__).with_name("locale"))

#: The pack with this plugin's records; also loadable on its own with ``community --pack``.
PACK = Path(__file__).with_name("red_steward.toml")
#: The roster programme and the scheme its quarterly review runs.
PROGRAM = "rs-red-steward"
SCHEME = "rs-quarterly-review"


def _of(record_type: type[Record]) -> list[Record]:
    return pack_records(PACK, record_type)


@hookimpl
def communitycore_register_meeting_types() -> list[Record]:
    """每周党课, 每月宣讲, 每季竞赛, 共建联席会议 and the "x+N" 物业联席会议."""
    return _of(MeetingType)


@hookimpl
def communitycore_register_service_programs() -> list[Record]:
    """The six service functions: 维修维护, 爱心帮扶, 信息咨询, 文化娱乐, 应急处理, 矛盾调处."""
    return _of(ServiceProgram)


@hookimpl
def communitycore_register_facts() -> list[Record]:
    """Upheld complaints and misconduct of a steward; a member's disciplinary sanction."""
    return _of(Fact)


@hookimpl
def communitycore_register_scoring_schemes() -> list[Record]:
    """红色管家季度考核: participation, effect, resident satisfaction; 优者上、庸者下、劣者汰."""
    return _of(ScoringScheme)


@hookimpl
def communitycore_register_roster_programs() -> list[Record]:
    """红色管家: vetted, on notice for 7 days, trained in the branch, gold/silver/regular."""
    return _of(RosterProgram)


@hookimpl
def communitycore_register_commands(cli: click.Group) -> None:
    """``community red-steward``: the programme at a glance and the property-tier report."""
    from communitycore_red_steward.commands import red_steward

    cli.add_command(red_steward)
