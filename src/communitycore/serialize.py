"""The one cattrs converter: records to plain data and back, for JSON, packs and config.

Input from people (packs, config, JSON imports) is structured with ``forbid_extra_keys`` so a
misspelt key is an error, and errors are turned into one line per bad field by :func:`explain`.
"""

from __future__ import annotations

import datetime as dt
import enum
from typing import Any, TypeVar

import cattrs
from cattrs.gen import make_dict_unstructure_fn

T = TypeVar("T")


def _make_converter() -> cattrs.Converter:
    conv = cattrs.Converter(forbid_extra_keys=True)
    conv.register_unstructure_hook(dt.date, dt.date.isoformat)
    conv.register_structure_hook(dt.date, lambda v, _: v if isinstance(v, dt.date) else dt.date.fromisoformat(v))
    conv.register_unstructure_hook(dt.datetime, dt.datetime.isoformat)
    conv.register_structure_hook(
        dt.datetime, lambda v, _: v if isinstance(v, dt.datetime) else dt.datetime.fromisoformat(v)
    )
    conv.register_unstructure_hook(enum.Enum, lambda e: e.value)

    # Leave unset optional fields out of the output: packs and exports stay short and readable.
    def _omit_defaults(cls: type) -> Any:
        return make_dict_unstructure_fn(cls, conv, _cattrs_omit_if_default=True)

    import attrs

    conv.register_unstructure_hook_factory(attrs.has, _omit_defaults)
    return conv


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
        return cattrs.transform_error(exc, path=path)
    return [f"{path}: {exc}"]
