"""Configuration: the ``community.toml`` file, environment variables and their precedence.

Precedence for the database URL: an explicit argument (``--db``), then ``COMMUNITYCORE_DB``, then
the config file's ``db``, then ``sqlite:///community.db`` in the working directory.
"""

from __future__ import annotations

import os
from pathlib import Path

import attrs

from communitycore.errors import InvalidValue
from communitycore.i18n import _
from communitycore.serialize import explain, structure

DEFAULT_DB = "sqlite:///community.db"
DEFAULT_CONFIG_FILE = "community.toml"


@attrs.frozen(kw_only=True)
class PluginConfig:
    """The ``[plugins]`` table."""

    disable: tuple[str, ...] = ()
    """Plugin names to leave out (builtin or installed)."""
    packs: tuple[str, ...] = ()
    """TOML packs to load, relative to the config file."""
    autoload: bool = True
    """Load installed plugins through the ``communitycore`` entry points."""
    strict: bool = False
    """Re-raise a plugin's failure instead of reporting it and going on."""


@attrs.frozen(kw_only=True)
class PrivacyConfig:
    """The ``[privacy]`` table."""

    reveal_requires_reason: bool = True
    """Showing personal data unmasked needs a reason, kept in the audit trail. A single-user
    install may switch this off; the audit entry is written either way."""


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo

    try:
        ZoneInfo(name)
    except (KeyError, ValueError):  # ZoneInfoNotFoundError is a KeyError
        raise ValueError(_("timezone {name!r} is not an IANA time zone such as 'Asia/Shanghai'").format(
            name=name)) from None


def _check_lang(lang: str) -> None:
    if lang not in ("zh", "en"):
        raise ValueError(_("lang {value!r} is not one of 'zh', 'en'").format(value=lang))


@attrs.frozen(kw_only=True)
class Config:
    """Everything a deployment configures; every field has a working default."""

    db: str | None = None
    timezone: str = attrs.field(default="Asia/Shanghai", validator=lambda _c, _a, v: _check_timezone(v))
    lang: str = attrs.field(default="zh", validator=lambda _c, _a, v: _check_lang(v))
    plugins: PluginConfig = PluginConfig()
    privacy: PrivacyConfig = PrivacyConfig()
    redis_url: str | None = None
    """The Redis server event bridges publish to (``communitycore-redis-events``); ``COMMUNITYCORE_REDIS_URL`` wins."""
    source: Path | None = attrs.field(default=None, metadata={"internal": True})

    def pack_paths(self) -> list[Path]:
        """Pack files, resolved against the config file's folder."""
        base = self.source.parent if self.source else Path.cwd()
        return [base / p for p in self.plugins.packs]


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read the config file: ``path``, else ``COMMUNITYCORE_CONFIG``, else ``./community.toml`` if present."""
    explicit = path or os.environ.get("COMMUNITYCORE_CONFIG")
    file = Path(explicit) if explicit else Path(DEFAULT_CONFIG_FILE)
    if not file.exists():
        if explicit:
            raise InvalidValue(_("config file {file} does not exist").format(file=file))
        return Config()
    # A regular file, UTF-8, within the size and depth limits; else UnsafeInput, or InvalidSyntax with the line.
    # Imported here: without a config file (most commands) the io layer's readers stay unloaded.
    from communitycore.io.limits import load_toml_limited

    data = load_toml_limited(file)
    data.pop("source", None)
    try:
        config = structure(data, Config)
    except Exception as exc:
        lines = "\n".join(f"  {file}: {line}" for line in explain(exc))
        raise InvalidValue(_("bad config file {file}:").format(file=file) + f"\n{lines}") from exc
    return attrs.evolve(config, source=file.resolve())


def database_url(explicit: str | None, config: Config) -> str:
    """The database URL by precedence; a bare file path means SQLite."""
    url = explicit or os.environ.get("COMMUNITYCORE_DB") or config.db or DEFAULT_DB
    if "://" not in url:
        url = f"sqlite:///{url}"
    return url
