"""Domain models and rules: attrs records and pure functions, no I/O and no pluggy."""
