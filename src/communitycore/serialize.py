"""The one cattrs converter: rows to records, records to plain data and back, and the JSON shapes.

* **Records ↔ plain data** (:data:`converter`, :func:`structure`, :func:`unstructure`): the
  store maps rows to records with it, the exchange writes and reads exports with it, packs and
  config are structured with it. It is built on ``cattrs.preconf.json``, whose hooks turn dates
  and datetimes into ISO text and back. Input from people (packs, config, JSON imports) is
  structured with ``forbid_extra_keys`` so a misspelt key is an error, and errors become one line
  per bad field (:func:`explain`).
* **The documented JSON shapes** (:func:`shape`, :func:`to_dict`, :func:`to_json`): what
  ``--json`` prints and what :func:`communitycore.to_dict <communitycore.serialize.to_dict>`
  returns (``docs/json.md``). A shape is
  the record's fields plus ``id``, ``name`` and ``kind``, paths of units, ``*_label`` fields, and
  personal data masked unless revealed. :func:`shape` gives it with Python values (enums, dates),
  which the CLI's text output turns into labels in the chosen language; :func:`to_dict` gives it
  as plain JSON data, through the converter.
"""

from __future__ import annotations

import datetime as dt
import enum
import json
from collections.abc import Callable, Mapping, Sequence
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any, TypeVar, get_args, get_origin

import attrs
import cattrs
from cattrs.cols import homogenous_tuple_structure_factory, is_namedtuple, namedtuple_dict_unstructure_factory
from cattrs.gen import make_dict_unstructure_fn
from cattrs.preconf.json import make_converter

from communitycore.domain.codes import Coded
from communitycore.domain.identity import mask_birth_date, mask_contact, mask_id_number, mask_phone
from communitycore.i18n import _, get_language, language, listing
from communitycore.records import (
    ATTENDEE_WORDS,
    CADENCE_WORDS,
    CANDIDATE_KIND_WORDS,
    EVENT_STATUS_WORDS,
    OUTCOME_WORDS,
    SUBJECT_WORDS,
    AuditEntry,
    DuesCategory,
    Finding,
    FrozenDict,
    MeetingType,
    OutboxEvent,
    Record,
    RosterProgram,
    ScoringScheme,
    ServiceCategory,
    ServiceProgram,
    Threshold,
    UnitKind,
    WorkflowState,
    freeze,
)

if TYPE_CHECKING:
    # The records of the domain modules are only annotations here: their shapes are registered by
    # import path (see shape_of), so converting one record does not import every capability's module.
    from communitycore.domain.access import Grant
    from communitycore.domain.activity import ActivityEntry, FactValue
    from communitycore.domain.assessments import Appeal, AssessmentResult, AssessmentRun
    from communitycore.domain.meetings import Compliance, ComplianceRow, DueMeeting, Meeting, Resolution
    from communitycore.domain.members import CommunityRegistration, Household, Member, Resident, Transfer
    from communitycore.domain.org import Compound, OrgUnit, Partner
    from communitycore.domain.rosters import Objection, Proposal, RosterEntry, Training
    from communitycore.domain.services import (
        Demand,
        Metrics,
        Milestone,
        Project,
        Resource,
        ServiceRequest,
        VolunteerStars,
    )
    from communitycore.domain.settings import Effective, SettingSpec
    from communitycore.domain.stats import RollUp
    from communitycore.domain.workflows import TransitionRecord
    from communitycore.sdk.community import Community

T = TypeVar("T")
_ISO: dict[type, Any] = {}


class _ValueRefused(ValueError):
    """A value our own structure hooks refuse, in words that say what was expected (kept as they are)."""


def _exact(kind: type[T]) -> Any:
    """A structure hook that takes values of ``kind`` as they are and refuses anything else.

    Subclasses (str enums such as :class:`~communitycore.records.Cadence`) are built as cattrs
    builds them by default, by calling the class.
    """

    def hook(value: Any, cl: Any) -> Any:
        if cl is not kind:
            return cl(value)
        if isinstance(value, kind) and (kind is bool or not isinstance(value, bool)):
            return value
        raise _ValueRefused(_("expected {type}, got {value!r}").format(type=kind.__name__, value=value))

    return hook


def _is_homogeneous_tuple(type_: Any) -> bool:
    return get_origin(type_) is tuple and len(get_args(type_)) == 2 and get_args(type_)[1] is Ellipsis


def _one_or_many(type_: Any, conv: cattrs.Converter) -> Any:
    items = homogenous_tuple_structure_factory(type_, conv)
    return lambda value, cl: items((value,) if isinstance(value, str) else value, cl)


def _date(value: Any, cl: Any) -> Any:
    # Rows hand back dates and datetimes as such; text goes through the preconf hook (ISO 8601).
    if isinstance(value, cl):
        return value
    return _ISO[cl](value, cl)


def _is_enum(type_: Any) -> bool:
    return isinstance(type_, type) and issubclass(type_, enum.Enum)


def _enum_value(member: enum.Enum) -> Any:
    return member.value


def _plain_str(value: str) -> str:
    return value.value if isinstance(value, enum.Enum) else value


def _make_converter() -> cattrs.Converter:
    conv = make_converter(forbid_extra_keys=True)
    # Dates and datetimes: ISO text out (the preconf hooks); in, values already of the type pass as they are.
    for when in (dt.date, dt.datetime):
        _ISO[when] = conv.get_structure_hook(when)
        conv.register_structure_hook(when, _date)
    # Codes out, whatever the enum. Most enums here are str enums, which the converter would pass
    # through as they are (a str subclass matches str's hook before Enum's): plain strings instead.
    conv.register_unstructure_hook(str, _plain_str)
    conv.register_unstructure_hook_factory(_is_enum, lambda _: _enum_value)
    # Read-only mappings (FrozenDict): plain objects out, frozen again in.
    conv.register_unstructure_hook(FrozenDict, lambda d: {conv.unstructure(k): conv.unstructure(v)
                                                          for k, v in d.items()})
    conv.register_structure_hook(FrozenDict, lambda v, _: freeze(dict(v)))
    # Quantities are exact decimals in Python and plain JSON numbers outside (1.5, 3).
    conv.register_unstructure_hook(Decimal, _decimal_number)
    conv.register_structure_hook(Decimal, _decimal)
    # cattrs' defaults call str()/bool()/int() on anything: "false" would read as True, ["x"] as "['x']".
    for kind in (str, bool, int):
        conv.register_structure_hook(kind, _exact(kind))
    # A grade band's quota is a number (0.3333) or a fraction's text ("1/3"); the record checks it.
    conv.register_structure_hook(float | str | None, lambda v, _: v)
    # A bare string where a tuple of items belongs is one item (as records._tuple reads it), not its letters.
    conv.register_structure_hook_factory(_is_homogeneous_tuple, _one_or_many)

    # Leave unset optional fields out of the output: packs and exports stay short and readable.
    def _omit_defaults(cls: type) -> Any:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)

    conv.register_unstructure_hook_factory(attrs.has, _omit_defaults)
    # Named tuples that stand for records (a ledger's fact values) are objects outside, not arrays.
    conv.register_unstructure_hook_factory(is_namedtuple, namedtuple_dict_unstructure_factory)
    return conv


def _decimal_number(value: Decimal) -> int | float:
    return int(value) if value == value.to_integral_value() else float(value)


def _decimal(value: Any, _cl: Any) -> Decimal:
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, str)):
        raise _ValueRefused(_("expected a number, got {value!r}").format(value=value))
    try:
        # A float by its shortest text, so 0.1 is one tenth and not its binary neighbour.
        return Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise _ValueRefused(_("expected a number, got {value!r}").format(value=value)) from None


#: The converter every layer uses: records to plain data and back (see the module's description).
converter = _make_converter()


def unstructure(obj: Any) -> Any:
    """Plain data (dicts, lists, strings, numbers) for a record or a list of records."""
    return converter.unstructure(obj)


def structure(data: Any, cls: type[T]) -> T:
    """Build ``cls`` from plain data; raises a cattrs error group (see :func:`explain`)."""
    return converter.structure(data, cls)


def explain(exc: BaseException, path: str = "$") -> list[str]:
    """One line per bad field of a structuring error, each with its key path."""
    if isinstance(exc, (cattrs.BaseValidationError, cattrs.ForbiddenExtraKeysError)):
        return cattrs.transform_error(exc, path=path, format_exception=_format_error)
    return [f"{path}: {exc}"]


def _format_error(exc: BaseException, type_: type | None) -> str:
    # An attrs validator fails in the record's __init__, where cattrs only says "invalid value";
    # its own message names the field and what is wrong, so keep it.
    if type_ is None and isinstance(exc, ValueError) and str(exc):
        return _("invalid value: {message}").format(message=exc)
    if isinstance(exc, _ValueRefused):
        return str(exc)
    # cattrs' own wording of the common cases, translated.
    if isinstance(exc, KeyError):
        return _("required field missing")
    if isinstance(exc, cattrs.ForbiddenExtraKeysError):
        return _("extra fields found ({fields})").format(fields=", ".join(sorted(exc.extra_fields)))
    if isinstance(exc, (AttributeError, TypeError)) and type_ is not None and attrs.has(type_):
        # A list or a value where a table of fields belongs ([plugins] written as plugins = [...]).
        return _("expected a table of fields ({fields})").format(
            fields=", ".join(f.name for f in attrs.fields(type_) if not f.metadata.get("internal")))
    if isinstance(exc, (ValueError, TypeError)) and type_ is not None:
        return _("invalid value for type, expected {type}").format(type=getattr(type_, "__name__", repr(type_)))
    if isinstance(exc, TypeError) and str(exc).endswith("object is not iterable"):
        return _("invalid value for type, expected an iterable")
    return cattrs.v.format_exception(exc, type_)


# ------------------------------------------------------------------------------------------------
# The documented JSON shapes (docs/json.md): records as --json prints them and to_dict returns them
# ------------------------------------------------------------------------------------------------

#: Where a unit's path comes from: a mapping of every path by id, or a function (``community.org.path_of``).
PathSource = Mapping[int, str] | Callable[[int], "str | None"]


#: A record that names a code: a registered record or a workflow state (``label``, ``label_en``).
Labelled = Record | WorkflowState
#: Where :meth:`View.label_of` finds a code's label: the name of what the registry declares (a record
#: family such as ``meeting_types``, or a workflow's code such as ``resident-request`` for its
#: states), a closed set's :class:`~communitycore.domain.codes.Coded` enum, or a table of words
#: marked for translation (code -> English text, translated through the catalogs).
LabelKind = str | type[Coded] | Mapping[str, str]


@attrs.frozen(kw_only=True)
class View:
    """How records are shown: revealed or masked, in which language, with which unit paths and labels.

    Without ``paths`` a shape's unit paths are ``null``. Without ``labels`` (what
    :meth:`Registry.labels <communitycore.plugins.registry.Registry.labels>` gives; :func:`view_of`
    builds a view with them) the ``*_label`` of a registered code (a unit's kind, a meeting's type, a
    request's state …) is the code itself, as it is for a code no plugin registers any more.
    """

    reveal: bool = False
    """Show personal data in full. Revealing is the caller's decision: in the SDK, through
    ``members.reveal`` (audited); here it only formats."""
    lang: str | None = None
    """``zh`` or ``en`` for the ``*_label`` fields; ``None``: the language in force."""
    paths: PathSource | None = None
    """Unit paths by id, or a function such as ``community.org.path_of``."""
    labels: Mapping[str, Mapping[str, Labelled]] | None = None
    """The registry's records by what they name, then by code (``Registry.labels()``)."""
    unit_kinds: Mapping[str, UnitKind] | None = None
    """The registry's unit kinds, for a view without ``labels`` (given, they are used instead of
    those in ``labels``)."""
    dues_categories: Mapping[str, DuesCategory] | None = None
    """The registry's dues categories, for a view without ``labels`` (given, they are used instead
    of those in ``labels``)."""
    settings: Sequence[SettingSpec] | None = None
    """The settings a unit may carry (``community.setting_specs``), for the words of a setting's
    value; ``None``: those of the declared capabilities."""
    audited: Mapping[str, tuple[str, str]] | None = None
    """The words of audited actions and entity kinds (``capabilities.audit_words`` of the
    community's capabilities); ``None``: those of the declared capabilities."""

    @property
    def language(self) -> str:
        """The language of labels."""
        return self.lang or get_language()

    def path(self, unit_id: int | None) -> str | None:
        """The full path of a unit, if known."""
        if unit_id is None or self.paths is None:
            return None
        if callable(self.paths):
            return self.paths(unit_id)
        return self.paths.get(unit_id)

    def label_of(self, kind: LabelKind, code: str | None) -> str | None:
        """The label of ``code`` in the view's language: ``None`` for no code, the code itself for one
        ``kind`` does not name (a plugin's code whose plugin is gone, say).

        :param kind: what names the code: a registry name (``"meeting_types"``, ``"resident-request"``),
            a :class:`~communitycore.domain.codes.Coded` enum, or a table of words marked with ``N_``.
        """
        if code is None:
            return None
        code = _plain_str(code)  # a str enum hashes by its name, not by its code
        if isinstance(kind, str):
            records = self._registered(kind)
            record = None if records is None else records.get(code)
            if record is None:
                return code
            return (record.label_en or record.label) if self.language == "en" else record.label
        if isinstance(kind, type):
            try:
                return kind(code).label(self.language)
            except ValueError:
                return code
        word = kind.get(code)
        if word is None:
            return code
        with language(self.language):
            return _(word)

    def audit_label(self, code: str | None) -> str | None:
        """An audited action (``member.add``: 新增党员) or entity kind (``member``: 党员) in words; a code
        no capability declares (a plugin's own) as it is."""
        if code is None:
            return None
        words = self.audited
        if words is None:
            from communitycore import capabilities

            words = capabilities.audit_words(capabilities.declared())
        pair = words.get(code)
        if pair is None:
            return code
        return pair[1] if self.language == "en" else pair[0]

    def kind_label(self, code: str) -> str:
        """The label of a unit kind (its code when no plugin registers it any more)."""
        return self.label_of("unit_kinds", code) or code

    def dues_category_label(self, code: str) -> str:
        """The label of a dues category (its code when no plugin registers it any more)."""
        return self.label_of("dues_categories", code) or code

    def _registered(self, kind: str) -> Mapping[str, Labelled] | None:
        own = self.unit_kinds if kind == "unit_kinds" else self.dues_categories if kind == "dues_categories" else None
        if own is not None:
            return own
        return None if self.labels is None else self.labels.get(kind)


def view_of(community: Community, *, reveal: bool = False, lang: str | None = None,
            paths: PathSource | None = None) -> View:
    """A view of ``community``'s records: its unit paths and the labels of everything its registry declares.

    What the command line shows with, and what a host hands :func:`to_dict` (``view=``) to label
    unit kinds, meeting types, service categories, roster programmes, workflow states and the rest
    as the command line does.

    :param reveal: see :attr:`View.reveal`.
    :param lang: the language of the ``*_label`` fields (default: the language in force).
    :param paths: unit paths by id (one read of the tree for a listing); default
        ``community.org.path_of``, one lookup per unit.
    """
    from communitycore.capabilities import audit_words

    return View(reveal=reveal, lang=lang, paths=community.org.path_of if paths is None else paths,
                labels=community.registry.labels(), settings=community.setting_specs,
                audited=audit_words(community.capabilities))


#: A shape function: ``(record, view) -> dict`` of Python values.
ShapeFn = TypeVar("ShapeFn", bound=Callable[..., dict[str, Any]])

#: The registered shapes, by class or by the class's import path (``module:QualName``).
_SHAPES: dict[type | str, Callable[[Any, View], dict[str, Any]]] = {}
#: The shape each class of record met so far gets (``None``: none), through its MRO; emptied on registration.
_RESOLVED: dict[type, Callable[[Any, View], dict[str, Any]] | None] = {}


def shape_of(cls: type | str) -> Callable[[ShapeFn], ShapeFn]:
    """Register the JSON shape of ``cls`` (a function ``(record, view) -> dict`` of Python values).

    ``cls`` is the class, or its import path ``module:QualName``: a shape registered by path costs
    no import of the record's module, and is found when a record of that class is first shaped
    (a record of the class exists only once its module is imported).
    """

    def register(fn: ShapeFn) -> ShapeFn:
        _SHAPES[cls] = fn
        _RESOLVED.clear()
        return fn

    return register


def _shape_fn(cls: type) -> Callable[[Any, View], dict[str, Any]] | None:
    """The shape of a record of ``cls``: the first class of its MRO with one, by class or by import path."""
    try:
        return _RESOLVED[cls]
    except KeyError:
        pass
    found = None
    for klass in cls.__mro__:
        found = _SHAPES.get(klass) or _SHAPES.get(f"{klass.__module__}:{klass.__qualname__}")
        if found is not None:
            break
    _RESOLVED[cls] = found
    return found


def _fields(record: Any) -> dict[str, Any]:
    """Every field of an attrs record (defaults included, so a shape never depends on the values)."""
    return {field.name: getattr(record, field.name) for field in attrs.fields(type(record))}


def shape(record: Any, view: View | None = None, **extra: Any) -> Any:
    """The documented shape of ``record`` (or of each record of a list), with Python values.

    Codes stay enums and dates stay dates, so text output can show labels; :func:`to_dict` makes
    plain JSON data of it. ``extra`` fields are added, or replace the shape's own (``name=``).
    A record without a registered shape is shown with its fields as they are.
    """
    view = view or View()
    if isinstance(record, Sequence) and not isinstance(record, (str, bytes)) and not hasattr(record, "_fields"):
        return [shape(item, view, **extra) for item in record]  # a list, or a lazy one such as MonthDues
    fn = _shape_fn(type(record))
    if fn is not None:
        data = fn(record, view)
    else:
        data = record._asdict() if hasattr(record, "_asdict") else _fields(record) if attrs.has(type(record)) \
            else record
    if extra:
        data = {**data, **extra}
    return data


def to_dict(record: Any, *, view: View | None = None, reveal: bool = False, lang: str | None = None,
            paths: PathSource | None = None, labels: Mapping[str, Mapping[str, Labelled]] | None = None,
            unit_kinds: Mapping[str, UnitKind] | None = None,
            dues_categories: Mapping[str, DuesCategory] | None = None, **extra: Any) -> Any:
    """The documented JSON shape of ``record`` as plain data (``docs/json.md``), masked unless ``reveal``.

    :param view: the :class:`View` to shape with, such as :func:`view_of(community) <view_of>`
        gives (paths and every label of the registry); it says ``reveal``, ``lang``, ``paths`` and
        the labels, so those keywords are then left out.
    :param reveal: show 公民身份号码, phone numbers, birth dates and the mobiles in a partner's
        contact in full. Reveal only what ``members.reveal`` (audited) handed you.
    :param lang: the language of ``*_label`` fields (default: the language in force).
    :param paths: unit paths by id, or a function such as ``community.org.path_of``.
    :param labels: the registry's labels (``community.registry.labels()``), for every ``*_label``
        field of a registered code; without them such a label is the code.
    :param unit_kinds: the registry's unit kinds (``community.registry.unit_kinds``), for ``kind_label``.
    :param dues_categories: the registry's dues categories (``community.registry.dues_categories``), for
        the ``category_label`` of dues records.
    :param extra: fields to add to the shape.
    """
    if view is None:
        view = View(reveal=reveal, lang=lang, paths=paths, labels=labels, unit_kinds=unit_kinds,
                    dues_categories=dues_categories)
    elif reveal or any(option is not None for option in (lang, paths, labels, unit_kinds, dues_categories)):
        raise TypeError("to_dict() takes either view= or the view's options (reveal, lang, paths, labels ...)")
    return converter.unstructure(shape(record, view, **extra))


def to_json(record: Any, *, reveal: bool = False, indent: int | None = 2, **options: Any) -> str:
    """:func:`to_dict` as JSON text: UTF-8 Chinese as is, ``indent`` spaces (``None``: one line)."""
    return json.dumps(to_dict(record, reveal=reveal, **options), ensure_ascii=False, indent=indent)


def dumps(data: Any, *, indent: int | None = 2) -> str:
    """JSON text of shapes (or any data of Python values) through the converter: codes, ISO dates."""
    return json.dumps(converter.unstructure(data), ensure_ascii=False, indent=indent)


def _masked(view: View, value: Any, mask: Callable[[Any], Any]) -> Any:
    return value if view.reveal else mask(value)


@shape_of("communitycore.domain.org:OrgUnit")
def _unit(unit: OrgUnit, view: View) -> dict[str, Any]:
    return {"id": unit.id, "name": unit.name, "kind": unit.kind, "kind_label": view.kind_label(unit.kind),
            "parent_id": unit.parent_id, "path": view.path(unit.id), "code": unit.code,
            "approved_by": unit.approved_by, "approved_on": unit.approved_on, "term_start": unit.term_start,
            "term_end": unit.term_end, "covered_units": unit.covered_units}


@shape_of(UnitKind)
def _unit_kind(kind: UnitKind, view: View) -> dict[str, Any]:
    return {"id": kind.code, "name": (kind.label_en or kind.label) if view.language == "en" else kind.label,
            "kind": "unit-kind", "code": kind.code, "label": kind.label, "label_en": kind.label_en,
            "parents": list(kind.parents), "term_years": kind.term_years, "provider": None}


@shape_of("communitycore.domain.members:Member")
def _member(member: Member, view: View) -> dict[str, Any]:
    return {
        "id": member.id, "name": member.name, "kind": "member", "unit_id": member.unit_id,
        "unit": view.path(member.unit_id), "gender": member.gender, "ethnicity": member.ethnicity,
        "birth_date": _masked(view, member.birth_date, mask_birth_date),
        "id_number": _masked(view, member.id_number, mask_id_number),
        "phone": _masked(view, member.phone, mask_phone),
        "education": member.education, "join_date": member.join_date, "full_date": member.full_date,
        "category": member.category, "standing": member.standing, "post": member.post,
        "employer": member.employer, "in_service": member.in_service, "status": member.status,
        "removed_on": member.removed_on, "removal_reason": member.removal_reason, "removed_to": member.removed_to,
        "probation_extension_months": member.probation_extension_months, "probation_end": member.probation_end,
        "revealed": view.reveal,
    }


@shape_of("communitycore.domain.org:Compound")
def _compound(compound: Compound, view: View) -> dict[str, Any]:
    return {"id": compound.id, "name": compound.name, "kind": "compound", "tier": compound.tier,
            "unit_id": compound.unit_id, "unit": view.path(compound.unit_id), "address": compound.address}


@shape_of("communitycore.domain.org:Partner")
def _partner(partner: Partner, view: View) -> dict[str, Any]:
    return {"id": partner.id, "name": partner.name, "kind": partner.kind,
            "kind_label": partner.kind.label(view.language), "unit_id": partner.unit_id,
            "unit": view.path(partner.unit_id), "contact": _masked(view, partner.contact, mask_contact),
            "revealed": view.reveal}


@shape_of("communitycore.domain.members:Transfer")
def _transfer(transfer: Transfer, view: View) -> dict[str, Any]:
    return {"id": transfer.id, "name": f"transfer {transfer.id}", "kind": "transfer",
            "member_id": transfer.member_id, "from_unit_id": transfer.from_unit_id,
            "from_unit": view.path(transfer.from_unit_id), "to_unit_id": transfer.to_unit_id,
            "to_unit": view.path(transfer.to_unit_id), "transferred_on": transfer.transferred_on,
            "reason": transfer.reason}


@shape_of("communitycore.domain.members:CommunityRegistration")
def _registration(reg: CommunityRegistration, view: View) -> dict[str, Any]:
    return {"id": reg.id, "name": f"registration {reg.id}", "kind": "registration", "member_id": reg.member_id,
            "community_unit_id": reg.community_unit_id, "community": view.path(reg.community_unit_id),
            "reported_on": reg.reported_on, "channel": reg.channel}


@shape_of("communitycore.domain.members:Household")
def _household(household: Household, _view: View) -> dict[str, Any]:
    name = " ".join(p for p in (household.building, household.room, household.address) if p) or str(household.id)
    return {"id": household.id, "name": name, "kind": "household", "compound_id": household.compound_id,
            "building": household.building, "room": household.room, "address": household.address}


@shape_of("communitycore.domain.members:Resident")
def _resident(resident: Resident, view: View) -> dict[str, Any]:
    return {"id": resident.id, "name": resident.name, "kind": "resident", "household_id": resident.household_id,
            "phone": _masked(view, resident.phone, mask_phone), "flags": list(resident.flags),
            "revealed": view.reveal}


@shape_of(Finding)
def _finding(finding: Finding, _view: View) -> dict[str, Any]:
    return {"id": f"{finding.unit_id}:{finding.rule}", "name": finding.rule, "kind": "finding",
            "unit_id": finding.unit_id, "unit": finding.unit, "rule": finding.rule, "severity": finding.severity,
            "message": finding.message, "suggestion": finding.suggestion}


def _share(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


@shape_of("communitycore.domain.stats:RollUp")
def _rollup(rollup: RollUp, view: View) -> dict[str, Any]:
    from communitycore.domain.members import Education, Gender

    path = view.path(rollup.unit_id)
    return {
        "id": rollup.unit_id,
        "name": None if path is None else path.rpartition("/")[2],
        "kind": "stats",
        "unit_id": rollup.unit_id,
        "path": path,
        "units": rollup.units,
        "members": rollup.members,
        "full": rollup.full,
        "probationary": rollup.probationary,
        # Codes as enums: JSON shows the codes, text the labels.
        "by_gender": {Gender.parse(k): v for k, v in rollup.by_gender.items()},
        "by_education": {Education.parse(k): v for k, v in rollup.by_education.items() if v},
        "average_age": rollup.average_age,
        "cadres": rollup.cadres,
        "cadres_associate_or_above": rollup.cadres_associate_or_above,
        "cadres_associate_or_above_share": _share(rollup.cadres_associate_or_above_share),
        "cadre_average_age": rollup.cadre_average_age,
        "secretaries": rollup.secretaries,
        "secretaries_associate_or_above": rollup.secretaries_associate_or_above,
        "secretaries_associate_or_above_share": _share(rollup.secretaries_associate_or_above_share),
    }


@shape_of("communitycore.domain.settings:Effective")
def _setting(effective: Effective, view: View) -> dict[str, Any]:
    from communitycore import capabilities
    from communitycore.domain.settings import spec_of

    specs = view.settings if view.settings is not None else capabilities.setting_specs(capabilities.declared())
    spec = spec_of(effective.key, specs)
    described = None
    if spec is not None and spec.describe is not None and effective.value is not None:
        with language(view.language):
            described = spec.describe(effective.value)
    elif spec is not None and spec.names is not None and isinstance(effective.value, list):
        with language(view.language):
            described = listing(view.label_of(spec.names, code) or code for code in effective.value)
    return {"id": effective.key, "name": effective.key, "kind": "setting", "key": effective.key,
            "value": effective.value, "source": effective.source, "source_unit_id": effective.unit_id,
            "value_label": described}


@shape_of(AuditEntry)
def _audit(entry: AuditEntry, view: View) -> dict[str, Any]:
    # before and after as stored: personal data was masked before it was written.
    return {"id": entry.id, "name": entry.action, "kind": "audit", "at": entry.at, "actor": entry.actor,
            "action": entry.action, "action_label": view.audit_label(entry.action), "entity": entry.entity,
            "entity_label": view.audit_label(entry.entity), "entity_id": entry.entity_id,
            "before": entry.before, "after": entry.after, "note": entry.note}


@shape_of(OutboxEvent)
def _outbox_event(ev: OutboxEvent, view: View) -> dict[str, Any]:
    return {"id": ev.id, "seq": ev.seq, "at": ev.at, "actor": ev.actor, "action": ev.action,
            "action_label": view.audit_label(ev.action), "entity": ev.entity,
            "entity_label": view.audit_label(ev.entity), "entity_id": ev.entity_id, "status": ev.status,
            "status_label": view.label_of(EVENT_STATUS_WORDS, ev.status), "attempts": ev.attempts,
            "delivered_at": ev.delivered_at,
            "failures": [{"at": at, "error": error} for at, error in ev.failures],
            "last_error": (ev.failures[-1][1].splitlines() or [""])[0] if ev.failures else None}


@shape_of("communitycore.domain.activity:ActivityEntry")
def _activity(entry: ActivityEntry, view: View) -> dict[str, Any]:
    from communitycore.domain.activity import SOURCE_WORDS, SubjectKind

    return {"id": entry.id, "name": entry.fact, "kind": "activity", **_fields(entry),
            "subject_kind_label": view.label_of(SubjectKind, entry.subject_kind),
            "fact_label": view.label_of("facts", entry.fact),
            "source_kind_label": view.label_of(SOURCE_WORDS, entry.source_kind)}


@shape_of("communitycore.domain.activity:FactValue")
def _fact_value(value: FactValue, view: View) -> dict[str, Any]:
    from communitycore.domain.activity import SubjectKind

    return {"subject_kind": value.subject_kind, "subject_kind_label": view.label_of(SubjectKind, value.subject_kind),
            "subject_id": value.subject_id, "fact": value.fact, "fact_label": view.label_of("facts", value.fact),
            "value": value.value}


# Assessments (考核评议) ------------------------------------------------------------------------


@shape_of(ScoringScheme)
def _scheme(scheme: ScoringScheme, view: View) -> dict[str, Any]:
    from communitycore.domain.scoring import scheme_rules

    name = scheme.label_en if view.language == "en" and scheme.label_en else scheme.label
    return {"id": scheme.code, "name": name, "kind": "scoring-scheme", **scheme_rules(scheme),
            "subject_label": view.label_of(SUBJECT_WORDS, scheme.subject.value),
            "period_label": view.label_of(CADENCE_WORDS, scheme.period.value)}


@shape_of("communitycore.domain.assessments:AssessmentRun")
def _assessment_run(run: AssessmentRun, view: View) -> dict[str, Any]:
    # A run's results are not part of the record: commands add them (``results=``).
    scheme = view.label_of("scoring_schemes", run.scheme)
    return {"id": run.id, "name": f"{scheme} {run.period}", "kind": "assessment-run", "run_id": run.id,
            "revision": run.revision, "scheme": run.scheme, "scheme_label": scheme,
            "scheme_version": run.scheme_version,
            "period": run.period, "subject_kind": run.subject_kind, "unit_id": run.unit_id,
            "subjects": run.subjects, "ran_by": run.ran_by, "ran_at": run.ran_at}


@shape_of("communitycore.domain.assessments:AssessmentResult")
def _assessment_result(result: AssessmentResult, _view: View) -> dict[str, Any]:
    # The breakdown (``lines``, ``facts``) is added where it is explained: ``assess explain``.
    return {"id": result.subject_id, "name": result.name, "kind": "assessment-result", "run_id": result.run_id,
            "revision": result.revision, "subject_id": result.subject_id, "unit_id": result.unit_id,
            "total": result.total, "grade": result.grade, "rank": result.rank, "vetoed": result.vetoed,
            "exempt": result.exempt, "rated": result.rated, "reached": result.reached, "held": list(result.held),
            "override": result.override}


@shape_of("communitycore.domain.assessments:Appeal")
def _appeal(appeal: Appeal, view: View) -> dict[str, Any]:
    from communitycore.builtin.national_assessments import APPEAL_WORKFLOW

    # An item is named by its fact's label; one with a code of its own (two items of one fact) keeps its code.
    item = view.label_of("facts", appeal.item)
    return {"id": appeal.id, "name": item, "kind": "assessment-appeal", "run_id": appeal.run_id,
            "revision": appeal.revision, "subject_id": appeal.subject_id, "unit_id": appeal.unit_id,
            "item": appeal.item, "item_label": item, "reason": appeal.reason, "state": appeal.state,
            "state_label": view.label_of(APPEAL_WORKFLOW, appeal.state), "filed_by": appeal.filed_by,
            "filed_at": appeal.filed_at, "quantity": appeal.quantity, "decision": appeal.decision,
            "decided_by": appeal.decided_by, "decided_at": appeal.decided_at,
            "result_revision": appeal.result_revision}


# Access ------------------------------------------------------------------------------------------


@shape_of("communitycore.domain.access:Grant")
def _grant(grant: Grant, view: View) -> dict[str, Any]:
    return {"id": grant.id, "actor": grant.actor, "role": grant.role, "role_label": view.label_of("roles", grant.role),
            "unit_id": grant.unit_id,
            "unit": grant.unit if grant.unit_id is not None else _("(whole database)"),
            "granted_at": grant.granted_at, "granted_by": grant.granted_by, "subject": grant.subject}


# Meetings ----------------------------------------------------------------------------------------

#: The fields of a meeting that ``meeting record``, ``correct`` and ``list`` print (its counts).
MEETING_SUMMARY = ("id", "unit_id", "type", "date", "present", "absent", "leave", "quorum_met")


def _rule_words(rule: Threshold | None, view: View) -> str | None:
    if rule is None:
        return None
    with language(view.language):
        return rule.describe()


@shape_of(MeetingType)
def _meeting_type(meeting_type: MeetingType, view: View) -> dict[str, Any]:
    # ``provider`` (the plugin or pack that registered it) comes from the registry: ``provider=``.
    return {"id": meeting_type.code, "name": meeting_type.label, "kind": "meeting-type", "code": meeting_type.code,
            "label": meeting_type.label, "label_en": meeting_type.label_en, "cadence": meeting_type.cadence.value,
            "cadence_label": view.label_of(CADENCE_WORDS, meeting_type.cadence),
            "times_per_period": meeting_type.times_per_period, "applies_to": list(meeting_type.applies_to),
            "attendees": meeting_type.attendees,
            "attendees_label": view.label_of(ATTENDEE_WORDS, meeting_type.attendees), "quorum": meeting_type.quorum,
            "quorum_label": _rule_words(meeting_type.quorum_rule, view), "pass_rule": meeting_type.pass_rule,
            "pass_rule_label": _rule_words(meeting_type.pass_threshold, view),
            "votes": meeting_type.votes, "minutes_required": list(meeting_type.minutes_required),
            "counts_as_training": meeting_type.counts_as_training, "provider": None}


@shape_of("communitycore.domain.meetings:Resolution")
def _resolution(resolution: Resolution, _view: View) -> dict[str, Any]:
    return {"id": resolution.id, "meeting_id": resolution.meeting_id, "title": resolution.title,
            "for": resolution.votes_for, "against": resolution.votes_against, "abstain": resolution.votes_abstain,
            "due": resolution.due, "passed": resolution.passed}


@shape_of("communitycore.domain.meetings:Meeting")
def _meeting(meeting: Meeting, view: View) -> dict[str, Any]:
    from communitycore.domain.meetings import MeetingStatus, Presence

    # ``quorum_met`` needs the unit's voting members: commands add it (``quorum_met=``); null: no rule.
    return {"id": meeting.id, "unit_id": meeting.unit_id, "type": meeting.type,
            "type_label": view.label_of("meeting_types", meeting.type), "date": meeting.held_on,
            "present": meeting.count(Presence.PRESENT), "absent": meeting.count(Presence.ABSENT),
            "leave": meeting.count(Presence.LEAVE), "quorum_met": None,
            "topic": meeting.topic, "host": meeting.host, "recorder": meeting.recorder, "minutes": meeting.minutes,
            "status": meeting.status.value, "status_label": view.label_of(MeetingStatus, meeting.status),
            "attendance": [{"member_id": a.member_id, "presence": a.presence.value, "reason": a.reason}
                           for a in meeting.attendance],
            "partners": [{"partner_id": p.partner_id, "representative": p.representative} for p in meeting.partners],
            "resolutions": [{k: v for k, v in _resolution(r, view).items() if k != "meeting_id"}
                            for r in meeting.resolutions]}


@shape_of("communitycore.domain.meetings:ComplianceRow")
def _compliance_row(row: ComplianceRow, view: View) -> dict[str, Any]:
    # One shape for the 台账 and the plan: the windows owed, and those missed.
    return {"unit_id": row.unit_id, "unit": row.unit, "type": row.type,
            "type_label": view.label_of("meeting_types", row.type), "cadence": row.cadence,
            "cadence_label": view.label_of(CADENCE_WORDS, row.cadence),
            "required": row.required, "held": row.held, "rate": row.rate,
            "missing": [{"from": w.start, "to": w.end} for w in row.missing],
            "windows": [{"from": w.start, "to": w.end, "required": w.required, "held": w.held} for w in row.windows]}


@shape_of("communitycore.domain.meetings:Compliance")
def _compliance(found: Compliance, view: View) -> dict[str, Any]:
    return {"unit_id": found.unit_id, "period": found.period, "absence_months": found.absence_months,
            "rows": [_compliance_row(r, view) for r in found.rows],
            "absences": [{"member_id": a.member_id, "name": a.name, "unit_id": a.unit_id, "months": list(a.months)}
                         for a in found.absences]}


@shape_of("communitycore.domain.meetings:DueMeeting")
def _due_meeting(due: DueMeeting, view: View) -> dict[str, Any]:
    from communitycore.domain.meetings import DUE_STATUS_WORDS

    return {"unit_id": due.unit_id, "unit": due.unit, "type": due.type,
            "type_label": view.label_of("meeting_types", due.type), "from": due.start, "to": due.end,
            "required": due.required, "held": due.held, "status": due.status,
            "status_label": view.label_of(DUE_STATUS_WORDS, due.status)}


# Services ----------------------------------------------------------------------------------------
# These shapes are the records' stored fields as the converter writes them (unset optional fields
# left out, as in exports) under ``id``, ``name`` and ``kind``.


def _stored(record: Any, **head: Any) -> dict[str, Any]:
    return {**head, **converter.unstructure(record)}


@shape_of(ServiceCategory)
def _service_category(category: ServiceCategory, _view: View) -> dict[str, Any]:
    return {**converter.unstructure(category), "id": category.code, "name": category.label,
            "kind": "service-category"}


@shape_of(ServiceProgram)
def _service_program(program: ServiceProgram, view: View) -> dict[str, Any]:
    from communitycore.domain.members import ResidentFlag
    from communitycore.domain.services import Channels, Urgencies

    return {**converter.unstructure(program), "id": program.code, "name": program.label, "kind": "service-program",
            "category_label": view.label_of("service_categories", program.category),
            "eligible_flags_label": [view.label_of(ResidentFlag, f) for f in program.eligible_flags],
            "default_urgency_label": view.label_of(Urgencies, program.default_urgency),
            "channels_label": [view.label_of(Channels, c) for c in program.channels],
            "owner_kinds_label": [view.label_of("unit_kinds", k) for k in program.owner_kinds]}


@shape_of("communitycore.domain.services:ServiceRequest")
def _service_request(request: ServiceRequest, view: View) -> dict[str, Any]:
    from communitycore.domain.service_workflows import REQUEST_WORKFLOW
    from communitycore.domain.services import AssigneeKind, Channels, Satisfaction, Urgencies

    # ``history`` (its TransitionRecords) is added by ``service request show``: ``history=``.
    return {**_stored(request, id=request.id, name=request.text[:40], kind="service-request"),
            "assignee": request.assignee, "state_label": view.label_of(REQUEST_WORKFLOW, request.state),
            "urgency_label": view.label_of(Urgencies, request.urgency),
            "channel_label": view.label_of(Channels, request.channel),
            "category_label": view.label_of("service_categories", request.category),
            "program_label": view.label_of("service_programs", request.program),
            "assignee_kind_label": view.label_of(AssigneeKind, request.assignee_kind),
            "assignee_label": None if request.assignee_kind is None else
            f"{view.label_of(AssigneeKind, request.assignee_kind)} {request.assignee_id}",
            "satisfaction_label": view.label_of(Satisfaction, request.satisfaction)}


@shape_of(RosterProgram)
def _roster_program(program: RosterProgram, view: View) -> dict[str, Any]:
    from communitycore.domain.rosters import TIER_WORDS

    data = _fields(program)  # defaults too: a script reads every field
    return {**converter.unstructure(data), "id": program.code, "name": program.label, "kind": "roster-program",
            "tiers_label": [view.label_of(TIER_WORDS, t) for t in program.tiers],
            "scoring_scheme_label": view.label_of("scoring_schemes", program.scoring_scheme),
            "candidate_kinds_label": [view.label_of(CANDIDATE_KIND_WORDS, k) for k in program.candidate_kinds]}


@shape_of("communitycore.domain.rosters:RosterEntry")
def _roster_entry(entry: RosterEntry, view: View) -> dict[str, Any]:
    from communitycore.domain.rosters import EXIT_REASON_WORDS, MEMBERSHIP_WORKFLOW, TIER_WORDS

    # ``roster show`` adds ``history`` (its TransitionRecords) and ``objections``.
    return {**_stored(entry, id=entry.id, name=entry.name, kind="roster-entry"),
            "program_label": view.label_of("roster_programs", entry.program),
            "candidate_kind_label": view.label_of(CANDIDATE_KIND_WORDS, entry.candidate_kind),
            "state_label": view.label_of(MEMBERSHIP_WORKFLOW, entry.state),
            "tier_label": view.label_of(TIER_WORDS, entry.tier),
            "exit_reason_label": view.label_of(EXIT_REASON_WORDS, entry.exit_reason)}


@shape_of("communitycore.domain.rosters:Objection")
def _roster_objection(objection: Objection, view: View) -> dict[str, Any]:
    from communitycore.domain.rosters import OBJECTION_STATE_WORDS

    return {**_stored(objection, id=objection.id, name=objection.raised_by, kind="roster-objection"),
            "state_label": view.label_of(OBJECTION_STATE_WORDS, objection.state)}


@shape_of("communitycore.domain.rosters:Proposal")
def _roster_proposal(proposal: Proposal, view: View) -> dict[str, Any]:
    from communitycore.domain.rosters import MEMBERSHIP_WORKFLOW, TIER_WORDS

    return {**converter.unstructure(proposal),
            "tier_from_label": view.label_of(TIER_WORDS, proposal.tier_from),
            "tier_to_label": view.label_of(TIER_WORDS, proposal.tier_to),
            "state_from_label": view.label_of(MEMBERSHIP_WORKFLOW, proposal.state_from),
            "state_to_label": view.label_of(MEMBERSHIP_WORKFLOW, proposal.state_to),
            "outcome_label": view.label_of(OUTCOME_WORDS, proposal.outcome)}


@shape_of("communitycore.domain.rosters:Training")
def _roster_training(training: Training, _view: View) -> dict[str, Any]:
    return {**converter.unstructure(training), "short": training.short}


@shape_of("communitycore.domain.workflows:TransitionRecord")
def _transition(step: TransitionRecord, view: View) -> dict[str, Any]:
    return {"from": step.source, "from_label": view.label_of(step.workflow, step.source), "to": step.target,
            "to_label": view.label_of(step.workflow, step.target), "actor": step.actor, "at": step.at,
            "note": step.note}


@shape_of("communitycore.domain.services:Metrics")
def _service_metrics(metrics: Metrics, _view: View) -> dict[str, Any]:
    group = metrics.group or "all"
    # ``group`` stays in as null (requests of no compound or programme), which the converter would omit.
    return {**_stored(metrics, id=group, name=group, kind="service-metrics"), "group": metrics.group}


@shape_of("communitycore.domain.services:Resource")
def _service_resource(resource: Resource, view: View) -> dict[str, Any]:
    return {**_stored(resource, id=resource.id, name=resource.name, kind="service-resource"),
            "category_label": view.label_of("service_categories", resource.category)}


@shape_of("communitycore.domain.services:Demand")
def _service_demand(demand: Demand, view: View) -> dict[str, Any]:
    return {**_stored(demand, id=demand.id, name=demand.name, kind="service-demand"),
            "category_label": view.label_of("service_categories", demand.category)}


@shape_of("communitycore.domain.services:Project")
def _service_project(project: Project, view: View) -> dict[str, Any]:
    from communitycore.domain.service_workflows import PROJECT_WORKFLOW
    from communitycore.domain.services import Satisfaction

    return {**_stored(project, id=project.id, name=project.name, kind="service-project"),
            "category_label": view.label_of("service_categories", project.category),
            "state_label": view.label_of(PROJECT_WORKFLOW, project.state),
            "satisfaction_label": view.label_of(Satisfaction, project.satisfaction)}


@shape_of("communitycore.domain.services:Milestone")
def _service_milestone(milestone: Milestone, _view: View) -> dict[str, Any]:
    return _stored(milestone, id=milestone.id, name=milestone.note, kind="service-milestone")


@shape_of("communitycore.domain.services:VolunteerStars")
def _volunteer_stars(stars: VolunteerStars, view: View) -> dict[str, Any]:
    from communitycore.domain.activity import SubjectKind

    who = f"{stars.subject_kind}:{stars.subject_id}"
    return {**_stored(stars, id=who, name=who, kind="volunteer-stars"),
            "subject_kind_label": view.label_of(SubjectKind, stars.subject_kind)}
