"""Database upkeep the worker does on a schedule."""

from __future__ import annotations

from django.db import connection


def database_optimize() -> str:
    """Keep the query planner's statistics fresh.

    SQLite has no autovacuum daemon to analyse tables as they grow, and the alarm list's
    plans depend on the statistics (docs/benchmarks.md); ``PRAGMA optimize`` re-analyses
    only what changed enough, bounded by ``analysis_limit`` so it stays quick on large
    tables (sqlite.org/lang_analyze.html#approx). PostgreSQL's autovacuum does this itself.
    """
    if connection.vendor != "sqlite":
        return "skipped: autovacuum analyses PostgreSQL"
    with connection.cursor() as cursor:
        cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute("PRAGMA optimize")
    return "optimized"
