"""Output shared by every command: JSON with ``--json``, else aligned tables and key/value blocks.

Commands build plain dicts with the converters below (:func:`unit_json`, :func:`member_json` ...)
and hand them to :func:`emit`. The dicts may hold enums and dates: JSON output turns them into
codes and ISO dates, text output into labels in the chosen language. So one dict serves both,
and the JSON shape is the same whatever the language. Text output escapes control characters
(``communitycore.cli.terminal.terminal_text``), so stored data cannot drive the terminal.

JSON shapes (the scripting interface; fields are never removed, only added):

* every object has ``id``, ``name`` and ``kind``;
* a unit: ``kind`` is its unit-kind code, plus ``kind_label``, ``parent_id``, ``path``, ``code``,
  ``approved_by``, ``approved_on``, ``term_start``, ``term_end``, ``covered_units``;
* a member: ``kind: "member"``, ``unit_id``, ``unit`` (path), every member field with enum codes
  (``gender``, ``education``, ``category``, ``standing``, ``post``), ``in_service``, the lifecycle
  (``status``: ``active`` or ``removed``, ``removed_on``, ``removal_reason``, ``removed_to``,
  ``probation_extension_months``, and ``probation_end`` for a 预备党员 with a join date) and
  ``revealed``; ``birth_date`` (``1980-**-**``), ``id_number`` and ``phone`` are masked unless
  ``revealed`` is true (``docs/privacy.md``);
* a compound: ``kind: "compound"``, ``tier``, ``unit_id``, ``unit``, ``address``;
* a partner: ``kind`` is its partner-kind code, plus ``kind_label``, ``unit_id``, ``unit``, ``contact``;
* ``transfer``, ``registration``, ``finding`` (``unit``, ``rule``, ``severity``, ``message``,
  ``suggestion``), ``stats`` (a subtree roll-up), ``setting`` (``key``, ``value``, ``source``) and
  ``audit`` objects, each named by its ``kind``.

Nothing here imports SQLAlchemy: this module is loaded for ``community --help``.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from communitycore.cli.state import AppState
from communitycore.cli.terminal import terminal_text
from communitycore.domain.codes import Coded
from communitycore.domain.identity import mask_birth_date, mask_id_number, mask_phone
from communitycore.domain.members import Education, Gender
from communitycore.labels import label, word

if TYPE_CHECKING:
    from communitycore.domain.members import CommunityRegistration, Member, Transfer
    from communitycore.domain.org import Compound, OrgUnit, Partner
    from communitycore.domain.settings import Effective
    from communitycore.domain.stats import RollUp
    from communitycore.plugins.registry import Registry
    from communitycore.records import Finding, UnitKind
    from communitycore.sdk.audit import AuditEntry

F = TypeVar("F", bound=Callable[..., Any])

# ------------------------------------------------------------------------------------------------
# State and the per-command output options
# ------------------------------------------------------------------------------------------------


def state() -> AppState:
    """The :class:`AppState` of the running command (global options and the community)."""
    return click.get_current_context().ensure_object(AppState)


def _set_json(ctx: click.Context, _param: click.Parameter, value: bool) -> bool:
    if value:
        ctx.ensure_object(AppState).as_json = True
    return value


def _set_lang(ctx: click.Context, _param: click.Parameter, value: str | None) -> str | None:
    if value:
        ctx.ensure_object(AppState).lang = value
    return value


def output_options(command: F) -> F:
    """Add ``--json`` and ``--lang`` to a command, so they work after the command name as well."""
    command = click.option("--lang", type=click.Choice(["zh", "en"]), expose_value=False, callback=_set_lang,
                           help="Language of messages and labels: zh or en (same as the global --lang).")(command)
    command = click.option("--json", "as_json", is_flag=True, expose_value=False, callback=_set_json,
                           help="Print JSON (same as the global --json).")(command)
    return command


# ------------------------------------------------------------------------------------------------
# JSON
# ------------------------------------------------------------------------------------------------


def to_jsonable(value: Any) -> Any:
    """Enums to their codes, dates to ISO strings, tuples to lists, recursively."""
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    if isinstance(value, Mapping):
        return {str(to_jsonable(k)): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)):
        return [to_jsonable(v) for v in value]
    return value


def dumps(data: Any) -> str:
    """The JSON text of ``data``: UTF-8 Chinese as is, indented, dates in ISO form."""
    return json.dumps(to_jsonable(data), ensure_ascii=False, indent=2)


# ------------------------------------------------------------------------------------------------
# Text
# ------------------------------------------------------------------------------------------------


def display_width(text: str) -> int:
    """Columns ``text`` takes in a terminal: CJK wide and full-width characters take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 0 if unicodedata.combining(ch) else 1
               for ch in text)


def pad(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns."""
    return text + " " * max(0, width - display_width(text))


def format_value(value: Any, lang: str = "zh", field: str = "") -> str:
    """One value as text: labels for codes, ISO dates, 是/否, percentages for ``*_share`` fields."""
    if value is None or value == "":
        return "-"
    if isinstance(value, bool):
        return word("yes" if value else "no", lang)
    if isinstance(value, Coded):
        return value.label(lang)
    if isinstance(value, enum.Enum):
        return word(str(value.value), lang)
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float):
        return f"{value:.1%}" if field.endswith("_share") else f"{value:g}"
    if isinstance(value, Mapping):
        sep = "，" if lang == "zh" else ", "
        return sep.join(f"{format_value(k, lang)} {format_value(v, lang)}" for k, v in value.items()) or "-"
    if isinstance(value, (list, tuple, set, frozenset)):
        sep = "、" if lang == "zh" else ", "
        return sep.join(format_value(v, lang) for v in value) or "-"
    return str(value)


def cell(row: Mapping[str, Any], column: str, lang: str = "zh") -> str:
    """The text of one field, controls escaped; a ``<field>_label`` next to it (``kind_label``) is shown instead."""
    labelled = row.get(f"{column}_label")
    if labelled is not None:
        return terminal_text(str(labelled), one_line=True)
    return terminal_text(format_value(row.get(column), lang, column), one_line=True)


def table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str], lang: str = "zh") -> str:
    """An aligned table with a header row of field labels."""
    header = [label(c, lang) for c in columns]
    body = [[cell(row, c, lang) for c in columns] for row in rows]
    widths = [max(display_width(text) for text in column) for column in zip(header, *body, strict=True)]

    def line(texts: Sequence[str]) -> str:
        # Trailing spaces of the padded last column are dropped.
        return "  ".join(pad(t, w) for t, w in zip(texts, widths, strict=True)).rstrip()

    rule = "  ".join("-" * w for w in widths)
    return "\n".join([line(header), rule, *(line(r) for r in body)])


def block(obj: Mapping[str, Any], columns: Sequence[str], lang: str = "zh") -> str:
    """Aligned ``label  value`` lines, one per field."""
    labels = [label(c, lang) for c in columns]
    width = max((display_width(t) for t in labels), default=0)
    return "\n".join(f"{pad(t, width)}  {cell(obj, c, lang)}" for t, c in zip(labels, columns, strict=True))


def _default_columns(rows: Iterable[Mapping[str, Any]]) -> list[str]:
    columns: list[str] = []
    for row in rows:
        for key, value in row.items():
            nested = isinstance(value, (list, tuple)) and value and isinstance(value[0], Mapping)
            if key not in columns and not key.endswith("_label") and not nested:
                columns.append(key)
    return columns


def emit(data: Any, *, columns: Sequence[str] | None = None, title: str | None = None) -> None:
    """Print ``data``: JSON with ``--json``; else a table (a list) or a key/value block (a dict).

    :param columns: the fields text output shows, in order (JSON always has every field).
    :param title: a heading printed above the text output.
    """
    app = state()
    if app.as_json:
        click.echo(dumps(data))
        return
    if title:
        click.echo(click.style(terminal_text(title), bold=True))
    if isinstance(data, Mapping):
        click.echo(block(data, list(columns or _default_columns([data])), app.lang))
    elif not data:
        click.echo(word("none_found", app.lang))
    else:
        click.echo(table(data, list(columns or _default_columns(data)), app.lang))


def heading(text: str) -> None:
    """A bold heading, printed only in text mode (with a blank line before it)."""
    if not state().as_json:
        click.echo()
        click.echo(click.style(terminal_text(text), bold=True))


# ------------------------------------------------------------------------------------------------
# Converters: records to the documented JSON objects
# ------------------------------------------------------------------------------------------------

UNIT_COLUMNS = ("id", "name", "kind", "parent_id", "path", "code", "approved_by", "approved_on", "term_start",
                "term_end", "covered_units")


def kind_label(registry: Registry, code: str, lang: str = "zh") -> str:
    """The label of a unit kind (its code if no plugin registers it any more)."""
    kind = registry.unit_kinds.get(code)
    if kind is None:
        return code
    return (kind.label_en or kind.label) if lang == "en" else kind.label


def unit_json(unit: OrgUnit, path: str | None, registry: Registry, lang: str = "zh",
              **extra: Any) -> dict[str, Any]:
    """A unit: id, name, kind (code), kind_label, parent_id, path and the optional fields."""
    data: dict[str, Any] = {
        "id": unit.id,
        "name": unit.name,
        "kind": unit.kind,
        "kind_label": kind_label(registry, unit.kind, lang),
        "parent_id": unit.parent_id,
        "path": path,
        "code": unit.code,
        "approved_by": unit.approved_by,
        "approved_on": unit.approved_on,
        "term_start": unit.term_start,
        "term_end": unit.term_end,
        "covered_units": unit.covered_units,
    }
    data.update(extra)
    return data


def unit_kind_json(kind: UnitKind, provider: str | None, lang: str = "zh") -> dict[str, Any]:
    """A registered unit kind: code, labels, the kinds it may sit under, and its plugin."""
    return {
        "id": kind.code,
        "name": (kind.label_en or kind.label) if lang == "en" else kind.label,
        "kind": "unit-kind",
        "code": kind.code,
        "label": kind.label,
        "label_en": kind.label_en,
        "parents": list(kind.parents),
        "term_years": kind.term_years,
        "provider": provider,
    }


MEMBER_COLUMNS = ("id", "name", "gender", "birth_date", "id_number", "phone", "education", "join_date",
                  "category", "post", "unit")


def member_json(member: Member, reveal: bool = False, *, unit_path: str | None = None) -> dict[str, Any]:
    """A member with every field; ``birth_date`` (to its year), ``id_number`` and ``phone`` masked unless ``reveal``.

    Revealing is the caller's decision and must go through ``community.members.reveal`` so it is
    audited; this function only formats.
    """
    return {
        "id": member.id,
        "name": member.name,
        "kind": "member",
        "unit_id": member.unit_id,
        "unit": unit_path,
        "gender": member.gender,
        "ethnicity": member.ethnicity,
        "birth_date": member.birth_date if reveal else mask_birth_date(member.birth_date),
        "id_number": member.id_number if reveal else mask_id_number(member.id_number),
        "phone": member.phone if reveal else mask_phone(member.phone),
        "education": member.education,
        "join_date": member.join_date,
        "full_date": member.full_date,
        "category": member.category,
        "standing": member.standing,
        "post": member.post,
        "employer": member.employer,
        "in_service": member.in_service,
        "status": member.status,
        "removed_on": member.removed_on,
        "removal_reason": member.removal_reason,
        "removed_to": member.removed_to,
        "probation_extension_months": member.probation_extension_months,
        "probation_end": member.probation_end,
        "revealed": reveal,
    }


def compound_json(compound: Compound, unit_path: str | None = None) -> dict[str, Any]:
    """A residential compound with its property tier (code)."""
    return {"id": compound.id, "name": compound.name, "kind": "compound", "tier": compound.tier,
            "unit_id": compound.unit_id, "unit": unit_path, "address": compound.address}


def partner_json(partner: Partner, unit_path: str | None = None, lang: str = "zh") -> dict[str, Any]:
    """A partner body; ``kind`` is its partner-kind code (``property-company`` ...)."""
    return {"id": partner.id, "name": partner.name, "kind": partner.kind.value,
            "kind_label": partner.kind.label(lang), "unit_id": partner.unit_id, "unit": unit_path,
            "contact": mask_contact(partner.contact)}


_MOBILE_IN_TEXT = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")


def mask_contact(contact: str | None) -> str | None:
    """A partner's contact line with any mobile number in it masked (it is often a person's own)."""
    if not contact:
        return contact
    return _MOBILE_IN_TEXT.sub(lambda m: mask_phone(m.group()) or "", contact)


def transfer_json(transfer: Transfer, paths: Mapping[int, str], member_name: str | None = None) -> dict[str, Any]:
    """One transfer of a member's organizational relationship."""
    from_id = transfer.from_unit_id
    return {"id": transfer.id, "name": member_name or f"transfer {transfer.id}", "kind": "transfer",
            "member_id": transfer.member_id, "from_unit_id": from_id,
            "from_unit": paths.get(from_id) if from_id is not None else None,
            "to_unit_id": transfer.to_unit_id, "to_unit": paths.get(transfer.to_unit_id),
            "transferred_on": transfer.transferred_on, "reason": transfer.reason}


def registration_json(reg: CommunityRegistration, paths: Mapping[int, str],
                      member_name: str | None = None) -> dict[str, Any]:
    """One 双报到 record: an in-service member reporting to their residential community."""
    return {"id": reg.id, "name": member_name or f"registration {reg.id}", "kind": "registration",
            "member_id": reg.member_id, "community_unit_id": reg.community_unit_id,
            "community": paths.get(reg.community_unit_id), "reported_on": reg.reported_on,
            "channel": reg.channel}


def finding_json(finding: Finding) -> dict[str, Any]:
    """A structure finding; ``id`` is ``<unit id>:<rule>``, ``unit`` the unit's path."""
    return {"id": f"{finding.unit_id}:{finding.rule}", "name": finding.rule, "kind": "finding",
            "unit_id": finding.unit_id, "unit": finding.unit, "rule": finding.rule,
            "severity": finding.severity, "message": finding.message, "suggestion": finding.suggestion}


ROLLUP_COLUMNS = ("path", "units", "members", "full", "probationary", "by_gender", "by_education", "average_age",
                  "cadres", "cadres_associate_or_above_share", "cadre_average_age", "secretaries",
                  "secretaries_associate_or_above_share")


def rollup_json(rollup: RollUp, name: str, path: str | None = None) -> dict[str, Any]:
    """A subtree's statistics (``kind: "stats"``; ``id`` is the unit's id)."""
    def share(value: float | None) -> float | None:
        return None if value is None else round(value, 4)

    return {
        "id": rollup.unit_id,
        "name": name,
        "kind": "stats",
        "unit_id": rollup.unit_id,
        "path": path,
        "units": rollup.units,
        "members": rollup.members,
        "full": rollup.full,
        "probationary": rollup.probationary,
        # Enum keys: JSON shows the codes, text the labels.
        "by_gender": {Gender.parse(k): v for k, v in rollup.by_gender.items()},
        "by_education": {Education.parse(k): v for k, v in rollup.by_education.items() if v},
        "average_age": rollup.average_age,
        "cadres": rollup.cadres,
        "cadres_associate_or_above": rollup.cadres_associate_or_above,
        "cadres_associate_or_above_share": share(rollup.cadres_associate_or_above_share),
        "cadre_average_age": rollup.cadre_average_age,
        "secretaries": rollup.secretaries,
        "secretaries_associate_or_above": rollup.secretaries_associate_or_above,
        "secretaries_associate_or_above_share": share(rollup.secretaries_associate_or_above_share),
    }


def setting_json(effective: Effective) -> dict[str, Any]:
    """An effective setting and its source: a unit's path, or ``default`` (with the plugin)."""
    value = effective.value
    return {"id": effective.key, "name": effective.key, "kind": "setting", "key": effective.key,
            "value": list(value) if isinstance(value, tuple) else value, "source": effective.source,
            "source_unit_id": effective.unit_id}


AUDIT_COLUMNS = ("id", "at", "actor", "action", "entity", "entity_id", "note")


def audit_json(entry: AuditEntry) -> dict[str, Any]:
    """An audit entry; ``before`` and ``after`` as stored (personal data already masked)."""
    return {"id": entry.id, "name": entry.action, "kind": "audit", "at": entry.at, "actor": entry.actor,
            "action": entry.action, "entity": entry.entity, "entity_id": entry.entity_id,
            "before": entry.before, "after": entry.after, "note": entry.note}


__all__ = [
    "AUDIT_COLUMNS",
    "MEMBER_COLUMNS",
    "ROLLUP_COLUMNS",
    "UNIT_COLUMNS",
    "audit_json",
    "block",
    "cell",
    "compound_json",
    "display_width",
    "dumps",
    "emit",
    "finding_json",
    "format_value",
    "heading",
    "kind_label",
    "member_json",
    "output_options",
    "pad",
    "partner_json",
    "registration_json",
    "rollup_json",
    "setting_json",
    "state",
    "table",
    "to_jsonable",
    "transfer_json",
    "unit_json",
    "unit_kind_json",
]
