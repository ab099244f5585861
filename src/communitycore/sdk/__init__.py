"""The facade: :func:`communitycore.open` gives a :class:`~communitycore.sdk.community.Community`,
whose sub-APIs (one per capability) are the SDK.
"""
