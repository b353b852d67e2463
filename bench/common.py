"""An Odoo environment on the bench database; a bench rolls back what it made."""

import contextlib
import sys
import time

import odoo
from odoo import SUPERUSER_ID, api
from odoo.tools import config

_CONFIGURED = []


@contextlib.contextmanager
def bench_env(conf, db):
    # Odoo's configuration is parsed once a process; a bench may open several databases.
    if not _CONFIGURED:
        config.parse_config(["-c", conf, "-d", db, "--log-level=warn"])
        _CONFIGURED.append(conf)
    registry = odoo.modules.registry.Registry(db)
    with registry.cursor() as cr:
        try:
            yield api.Environment(cr, SUPERUSER_ID, {})
        finally:
            cr.rollback()


@contextlib.contextmanager
def measure(env, label, count=None):
    """Prints seconds and SQL queries of the block, per item with ``count``."""
    env.flush_all()
    queries = env.cr.sql_log_count
    start = time.perf_counter()
    yield
    env.flush_all()
    seconds = time.perf_counter() - start
    queries = env.cr.sql_log_count - queries
    line = f"{label}: {seconds:.2f} s, {queries} queries"
    if count:
        line += f" ({count / seconds:.1f}/s, {queries / count:.1f} queries each)"
    print(line)
    sys.stdout.flush()
