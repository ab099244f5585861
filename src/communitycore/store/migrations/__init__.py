"""Alembic migrations of the communitycore schema (run through :mod:`communitycore.store.migrate`)."""
