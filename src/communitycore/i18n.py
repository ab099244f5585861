"""Messages a person reads, in their language: gettext catalogs, Chinese (``zh_CN``) by default.

Every message is written in English in the code and marked for translation: ``_("…")`` translates
at once, :func:`N_` only marks a text that is translated later (a click help text, a constant).
The catalogs live in ``communitycore/locale/<lang>/LC_MESSAGES/communitycore.mo`` and ship in the
wheel; English needs no catalog. The language is a context variable, so a host serving several
users may switch it per call with :func:`language`.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
from collections.abc import Iterator
from functools import cache
from pathlib import Path

DOMAIN = "communitycore"
LOCALE_DIR = Path(__file__).with_name("locale")
#: Languages the interface speaks; the first is the default.
LANGUAGES = ("zh", "en")
_CATALOG_NAMES = {"zh": "zh_CN", "en": "en"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("communitycore_lang", default=LANGUAGES[0])


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    return gettext.translation(DOMAIN, LOCALE_DIR, languages=[_CATALOG_NAMES[lang]], fallback=True)


def normalize(lang: str | None) -> str:
    """``zh``/``zh_CN``/``zh-Hans`` → ``zh``, ``en``/``en_US`` → ``en``; anything else is an error."""
    if not lang:
        return LANGUAGES[0]
    short = lang.replace("-", "_").split("_")[0].lower()
    if short not in LANGUAGES:
        raise ValueError(f"unknown language {lang!r}; choose one of {', '.join(LANGUAGES)}")
    return short


def get_language() -> str:
    """The language messages are given in now."""
    return _current.get()


def set_language(lang: str | None) -> None:
    """Switch the language for the rest of this context (the CLI calls it once, from ``--lang``)."""
    _current.set(normalize(lang))


@contextlib.contextmanager
def language(lang: str | None) -> Iterator[None]:
    """Give messages in ``lang`` inside the ``with`` block."""
    token = _current.set(normalize(lang))
    try:
        yield
    finally:
        _current.reset(token)


def _(message: str) -> str:
    """``message`` translated into the current language."""
    return _translations(_current.get()).gettext(message)


def ngettext(singular: str, plural: str, n: int) -> str:
    """The singular or plural form of a message for ``n``, translated."""
    return _translations(_current.get()).ngettext(singular, plural, n)


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogs without translating it yet (translate it with ``_`` where shown)."""
    return message


__all__ = ["LANGUAGES", "N_", "_", "get_language", "language", "ngettext", "normalize", "set_language"]
