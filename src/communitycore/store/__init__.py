"""Storage: SQLAlchemy Core tables, engines, bulk paths and migrations."""
