"""The one cattrs converter: records to plain data and back, for JSON, packs and config.

Input from people (packs, config, JSON imports) is structured with ``forbid_extra_keys`` so a
misspelt key is an error, and errors are turned into one line per bad field by :func:`explain`.
"""

from __future__ import annotations

import datetime as dt
import enum
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar, get_args, get_origin

import cattrs
from cattrs.cols import is_namedtuple, namedtuple_dict_unstructure_factory
from cattrs.gen import make_dict_unstructure_fn

T = TypeVar("T")


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
        raise ValueError(f"expected {kind.__name__}, got {value!r}")

    return hook


def _is_homogeneous_tuple(type_: Any) -> bool:
    return get_origin(type_) is tuple and len(get_args(type_)) == 2 and get_args(type_)[1] is Ellipsis


def _one_or_many(type_: Any, conv: cattrs.Converter) -> Any:
    from cattrs.cols import homogenous_tuple_structure_factory

    items = homogenous_tuple_structure_factory(type_, conv)
    return lambda value, cl: items((value,) if isinstance(value, str) else value, cl)


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(dt.date, lambda v, _: v if isinstance(v, dt.date) else dt.date.fromisoformat(v))
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(
        dt.datetime, lambda v, _: v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v)
    )
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)
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

    import attrs

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
        raise ValueError(f"expected a number, got {value!r}")
    try:
        # A float by its shortest text, so 0.1 is one tenth and not its binary neighbour.
        return Decimal(repr(value) if isinstance(value, float) else value)
    except InvalidOperation:
        raise ValueError(f"expected a number, got {value!r}") from None


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
        return f"invalid value: {exc}"
    return cattrs.v.format_exception(exc, type_)
