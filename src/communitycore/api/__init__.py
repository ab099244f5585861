"""The sub-APIs of :class:`~communitycore.Community`, one module per area."""
