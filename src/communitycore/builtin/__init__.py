"""National defaults, registered as plugins exactly like external ones (see :data:`~communitycore.plugins.BUILTINS`)."""
