"""The pluggy markers, kept apart so that ``from communitycore import hookimpl`` stays cheap."""

from __future__ import annotations

import pluggy

PROJECT = "communitycore"

hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)
