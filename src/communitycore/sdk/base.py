"""What every sub-API shares: its community."""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from communitycore.sdk.community import Community


class SubAPI:
    """Base of the sub-APIs: access to the community."""

    def __init__(self, community: Community) -> None:
        self.community = community
