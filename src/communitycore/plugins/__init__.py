"""The plugin machinery: markers, hookspecs, the manager factory, the registry and TOML packs.

It sits above :mod:`communitycore.records` (the vocabulary plugins contribute) and below the
facade; the domain never imports it.
"""
