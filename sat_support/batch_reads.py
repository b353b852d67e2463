"""Configuration read once for the records one batch creates (a group of mails)."""

from contextlib import contextmanager

MEMO = "sat_batch_reads"


@contextmanager
def batch_reads(env):
    """Within the block, what every new case reads of the configuration (its first
    stage, the SLA policies, the calendars' working time) is read once. Kept to the
    block, so that a change made afterwards is always seen."""
    owner = MEMO not in env.cr.cache
    if owner:
        env.cr.cache[MEMO] = {}
    try:
        yield
    finally:
        if owner:
            env.cr.cache.pop(MEMO, None)


def batch_read(env, key, read):
    """``read()``, or its value already read under ``key`` in this batch. Values are
    plain data (ids, tuples), not records bound to one user's environment."""
    memo = env.cr.cache.get(MEMO)
    if memo is None:
        return read()
    if key not in memo:
        memo[key] = read()
    return memo[key]
