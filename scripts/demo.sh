#!/usr/bin/env bash
# The README's demo command: an Odoo 18.0 server with the SAT addons and demo data on
# http://localhost:8069 (login admin, password admin). SAT_DEMO_RESET=1 rebuilds the database.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_base
ensure_template
DB=${SAT_DEMO_DB:-sat_demo}
PORT=${SAT_DEMO_PORT:-8069}
CONF="$RUN_DIR/demo.conf"
write_config "$CONF" "$DB" "$PORT"
if [ "${SAT_DEMO_RESET:-0}" = 1 ] || ! db_exists "$DB"; then
    new_database "$DB" "$CONF"
else
    say "updating $SAT_ADDONS in $DB"
    update_database "$DB" "$CONF"
fi
say "Odoo is starting on http://localhost:$PORT (login admin / admin); Ctrl-C stops it"
cd /tmp
exec "$PYTHON" -m odoo -c "$CONF" --log-level=info
