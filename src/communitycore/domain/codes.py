"""Closed sets of codes with their Chinese and English labels (the glossary, in code).

Each member's value is the English code used in JSON and the database; ``zh`` is what users
see; :meth:`Coded.parse` accepts the code, either label or an alias, as people type them in
spreadsheets.
"""

from __future__ import annotations

import enum
import unicodedata
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, TypeVar

from communitycore.errors import InvalidValue
from communitycore.i18n import _, listing, localized

C = TypeVar("C", bound="Coded")


class Coded(str, enum.Enum):
    """An enum whose members are ``(code, zh, en, *aliases)``."""

    _value_: str
    zh: str
    en: str
    aliases: tuple[str, ...]

    if not TYPE_CHECKING:  # for type checkers, Coded("male") is the usual enum lookup by value

        def __new__(cls, code: str, zh: str, en: str, *aliases: str) -> Coded:
            obj = str.__new__(cls, code)
            obj._value_ = code
            obj.zh = zh
            obj.en = en
            obj.aliases = aliases
            return obj

    def label(self, lang: str = "zh") -> str:
        """The label in ``lang`` (``zh`` or ``en``)."""
        return self.en if lang == "en" else self.zh

    @classmethod
    def lookup(cls: type[C]) -> dict[str, C]:
        """Every accepted spelling, lower-cased, to its member (built once per class)."""
        table: dict[str, C] | None = cls.__dict__.get("_lookup_cache")
        if table is None:
            table = {}
            for m in cls:
                for spelling in (m.value, m.zh, m.en, *m.aliases):
                    table[spelling.lower()] = m
            setattr(cls, "_lookup_cache", table)  # noqa: B010 - enum classes refuse plain assignment of new names at definition
        return table

    @classmethod
    def parse(cls: type[C], value: Any) -> C:
        """The member for a code, label or alias; a clear error listing the choices otherwise."""
        if isinstance(value, cls):
            return value
        text = str(value).strip()
        if not text.isascii():  # full-width letters and digits, as spreadsheets hold them
            text = unicodedata.normalize("NFKC", text)
        found = cls.lookup().get(text.lower())
        if found is None:
            choices = listing(localized(f"{m.value}（{m.zh}）", f"{m.value} ({m.zh})") for m in cls)
            raise InvalidValue(_("{value!r} is not one of: {choices}").format(value=value, choices=choices))
        return found

    @classmethod
    def choices(cls) -> str:
        """Every code with its Chinese label, for messages: ``male (男), female (女)``."""
        return ", ".join(f"{m.value} ({m.zh})" for m in cls)

    def __str__(self) -> str:
        return self._value_


def code_named(text: str, names: Mapping[str, tuple[str, str | None]]) -> str:
    """The code that ``text`` names among ``names`` (code -> (中文, English)): the code itself, or
    either label in any case, as a person types it; ``text`` as it is when none does, or when the
    label is more than one code's, for the caller to refuse with the codes it knows."""
    if text in names:
        return text
    wanted = text.strip().casefold()
    named = [code for code, (zh, en) in names.items() if wanted in (zh.casefold(), (en or "").casefold())]
    return named[0] if len(named) == 1 else text
