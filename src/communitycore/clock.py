"""The injectable clock: tests and replays pass a fixed one, everything else the system's."""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import attrs


@attrs.frozen
class Clock:
    """Timezone-aware now and today; ``fixed`` pins the time (for tests and replays)."""

    timezone: str = "Asia/Shanghai"
    fixed: dt.datetime | None = None

    @property
    def tz(self) -> ZoneInfo:
        """The community's timezone."""
        return ZoneInfo(self.timezone)

    def now(self) -> dt.datetime:
        """The current time in the community's timezone."""
        if self.fixed is not None:
            return self.fixed.astimezone(self.tz) if self.fixed.tzinfo else self.fixed.replace(tzinfo=self.tz)
        return dt.datetime.now(self.tz)

    def today(self) -> dt.date:
        """Today's date in the community's timezone."""
        return self.now().date()
