"""Input and output files: spreadsheets (CSV/XLSX), the member import, templates and the JSON exchange.

Everything that reads a file a person hands over passes the limits of :mod:`communitycore.io.limits`
first, so a hostile file ends in a clear error, never in a crash.
"""
