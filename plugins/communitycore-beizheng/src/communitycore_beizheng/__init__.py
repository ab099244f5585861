"""communitycore plugin for 北正: the community's Party-building joint meeting and its in-service members.

Declarative first: the records (the 社区党建联席会议 with the resident units, the facts of the
in-service members' 双向认识、双向联系、双向服务、双向反馈, the 五好领导班子 and 五星级党员经营户
schemes) live in ``beizheng.toml``, a communitycore pack shipped inside this package and read
through the host's own pack loader. The Python below holds what records cannot say: the
quarterly feedback to the employers (:mod:`communitycore_beizheng.feedback`) and its command
(:mod:`communitycore_beizheng.cli`).
"""

from __future__ import annotations

from pathlib import Path

from communitycore import Fact, MeetingType, Record, ScoringScheme, hookimpl
from communitycore.i18n import add_catalog
from communitycore.plugins.packs import pack_records

__version__ = "0.1.0"
#: The plugin's messages and help texts in Chinese: ``locale/zh_CN/LC_MESSAGES/communitycore_beizheng.mo``,
#: registered as the package is imported, before any of its commands or messages is used.
add_catalog("communitycore_beizheng", Path(__file__).with_name("locale"))

#: The pack with this plugin's records; also loadable on its own with ``community --pack``.
PACK = Path(__file__).with_name("beizheng.toml")
JOINT_MEETING = "bz-joint-meeting"
FIVE_GOOD_LEADERSHIP = "bz-five-good-leadership"
FIVE_STAR_BUSINESS = "bz-five-star-member-business"


def _of(record_type: type[Record]) -> list[Record]:
    return pack_records(PACK, record_type)


@hookimpl
def communitycore_register_meeting_types() -> list[Record]:
    """社区党建联席会议, attended by the resident units' Party organizations."""
    return _of(MeetingType)


@hookimpl
def communitycore_register_facts() -> list[Record]:
    """The four two-way steps of the in-service members, and what the two schemes count."""
    return _of(Fact)


@hookimpl
def communitycore_register_scoring_schemes() -> list[Record]:
    """五好领导班子 (units) and 五星级党员经营户 (members)."""
    return _of(ScoringScheme)


@hookimpl
def communitycore_register_commands(cli):
    """``community beizheng feedback``: the quarterly feedback to the employers."""
    from communitycore_beizheng.cli import register

    register(cli)
