#!/usr/bin/env bash
# Runs a benchmark against a database with the SAT addons and prints its figures.
#   bash bench/run.sh invoice_batch [N]   # invoice N (1000) closed billable cases in one batch
source "$(dirname "${BASH_SOURCE[0]}")/../scripts/common.sh"

name=${1:?usage: bash bench/run.sh BENCH [ARGS...]}
shift
[ -f "$ROOT/bench/$name.py" ] || die "no benchmark bench/$name.py"
ensure_base
ensure_template
DB=${SAT_BENCH_DB:-sat_bench}
CONF="$RUN_DIR/bench.conf"
write_config "$CONF" "$DB" 8269
if db_exists "$DB"; then
    update_database "$DB" "$CONF"
else
    new_database "$DB" "$CONF"
fi
# A bench may prepare more (another database to compare with): bench/NAME.sh, sourced.
if [ -f "$ROOT/bench/$name.sh" ]; then
    source "$ROOT/bench/$name.sh"
fi
cd /tmp
exec "$PYTHON" "$ROOT/bench/$name.py" "$CONF" "$DB" "$@"
