"""Messages a person reads, in their language: gettext catalogs, Chinese (``zh_CN``) by default.

Every message is written in English in the code and marked for translation: ``_("…")`` translates
at once, :func:`N_` only marks a text that is translated later (a click help text, a constant).
The catalogs live in ``communitycore/locale/<lang>/LC_MESSAGES/communitycore.mo`` and ship in the
wheel; English needs no catalog. A plugin ships its own and registers it with :func:`add_catalog`;
a message communitycore's catalog lacks is looked up there. The language is a context variable, so
a host serving several users may switch it per call with :func:`language`.

Messages are translated when they are made (an error's text is fixed when it is raised), so
switch the language before the call whose messages you want in it. How to add or change a
translation: ``docs/translating.md``.
"""

from __future__ import annotations

import contextlib
import contextvars
import gettext
import inspect
import os
from collections.abc import Iterable, Iterator
from functools import cache
from pathlib import Path

DOMAIN = "communitycore"
LOCALE_DIR = Path(__file__).with_name("locale")
#: Languages the interface speaks; the first is the default.
LANGUAGES = ("zh", "en")
_CATALOG_NAMES = {"zh": "zh_CN", "en": "en"}

_current: contextvars.ContextVar[str] = contextvars.ContextVar("communitycore_lang", default=LANGUAGES[0])
#: The plugins' catalogs (gettext domain -> locale folder), in the order they were added.
_catalogs: dict[str, Path] = {}


@cache
def _translations(lang: str) -> gettext.NullTranslations:
    if lang == "en":
        return gettext.NullTranslations()
    names = [_CATALOG_NAMES[lang]]
    chain = gettext.translation(DOMAIN, LOCALE_DIR, languages=names, fallback=True)
    for domain, locale_dir in _catalogs.items():  # gettext keeps each parsed .mo: a rebuild reads no file again
        chain.add_fallback(gettext.translation(domain, locale_dir, languages=names, fallback=True))
    return chain


def add_catalog(domain: str, locale_dir: str | os.PathLike[str]) -> None:
    """Look messages up in ``domain``'s catalogs too, after communitycore's own: a plugin's translations.

    ``locale_dir`` holds ``<lang>/LC_MESSAGES/<domain>.mo`` (``zh_CN`` for Chinese). A plugin calls
    this at the top of its module, so its catalog is there as soon as any of its code is, for its
    commands' help and its messages alike; ``_()``, :func:`ngettext`, :func:`pgettext` and
    :func:`translate_help` then find its messages. communitycore's catalog comes first, then the
    plugins' in the order they were added; a language without a catalog keeps the English.
    Adding a domain again from the same folder changes nothing; from another folder, it replaces the first.
    """
    path = Path(locale_dir)
    if _catalogs.get(domain) == path:
        return
    _catalogs[domain] = path
    _translations.cache_clear()


def catalogs() -> dict[str, Path]:
    """The catalogs added with :func:`add_catalog`: gettext domain -> locale folder."""
    return dict(_catalogs)


def normalize(lang: str | None) -> str:
    """``zh``/``zh_CN``/``zh-Hans`` → ``zh``, ``en``/``en_US`` → ``en``; anything else is an error."""
    if not lang:
        return LANGUAGES[0]
    short = lang.replace("-", "_").split("_")[0].lower()
    if short not in LANGUAGES:
        raise ValueError(_("unknown language {lang!r}; choose one of {choices}").format(
            lang=lang, choices=listing(LANGUAGES)))
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


def pgettext(context: str, message: str) -> str:
    """``message`` translated in ``context``, for a short text whose meaning depends on where it is used."""
    return _translations(_current.get()).pgettext(context, message)


def listing(items: Iterable[str]) -> str:
    """``items`` joined as the language writes a list: ``a、b、c`` in Chinese, ``a, b, c`` in English."""
    return pgettext("list separator", ", ").join(items)


def localized(zh: str, en: str | None) -> str:
    """The label of a record in the current language: ``en`` in English (``zh`` when it has none), else ``zh``."""
    return (en or zh) if _current.get() == "en" else zh


def labelled(label: str, code: str) -> str:
    """A label with its code after it, as the language brackets it: ``党支部（branch）``,
    ``general branch (general-branch)``; the label alone where it is the code (``branch``)."""
    if label == code:
        return label
    return _("{label} ({code})").format(label=label, code=code)


# Click help texts: the catalog keys are the texts as the source writes them. A docstring is
# cleaned (inspect.cleandoc), cut at click's form feed, and its control characters are written
# as the escapes the source uses, so a translator sees "\b" rather than an invisible backspace.
_HELP_ESCAPES = (("\b", "\\b"), ("\f", "\\f"))


def help_msgid(text: str) -> str:
    """The catalog key of a click help text (a docstring or a ``help=``)."""
    key = inspect.cleandoc(text).partition("\f")[0].rstrip()
    for char, escape in _HELP_ESCAPES:
        key = key.replace(char, escape)
    return key


def translate_help(text: str | None) -> str | None:
    """A click help text in the current language (as click shows it: cleaned, cut at the form feed)."""
    if text is None:
        return None
    translated = _(help_msgid(text))  # i18n: skip (the extractor keys help texts the same way)
    for char, escape in _HELP_ESCAPES:
        translated = translated.replace(escape, char)
    return translated


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalogs without translating it yet (translate it with ``_`` where shown)."""
    return message


__all__ = [
    "LANGUAGES",
    "N_",
    "_",
    "add_catalog",
    "catalogs",
    "get_language",
    "help_msgid",
    "language",
    "listing",
    "localized",
    "ngettext",
    "normalize",
    "pgettext",
    "set_language",
    "translate_help",
]
