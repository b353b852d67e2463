#!/usr/bin/env bash
# The README's demo command: an Odoo 18.0 server with the SAT addons and demo data on
# http://localhost:8069 (login admin, password admin). SAT_DEMO_RESET=1 rebuilds the database.
# Mail stays on this machine: a local SMTP server keeps what Odoo sends in .run/demo-mails/,
# and a local IMAP server holds the demo customer Deco Addict's support mailbox (open the
# customer, tab Support Mailbox, Fetch Now).
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_base
ensure_commands "dovecot:dovecot-imapd"
ensure_template
DB=${SAT_DEMO_DB:-sat_demo}
PORT=${SAT_DEMO_PORT:-8069}
IMAP_PORT=${SAT_DEMO_IMAP_PORT:-8143}
SMTP_PORT=${SAT_DEMO_SMTP_PORT:-8025}
MAILS="$RUN_DIR/demo-mails"
CONF="$RUN_DIR/demo.conf"
write_config "$CONF" "$DB" "$PORT"
if [ "${SAT_DEMO_RESET:-0}" = 1 ] || ! db_exists "$DB"; then
    new_database "$DB" "$CONF"
else
    say "updating $SAT_ADDONS in $DB"
    update_database "$DB" "$CONF"
fi

say "starting the demo mail servers (IMAP on 127.0.0.1:$IMAP_PORT, SMTP on 127.0.0.1:$SMTP_PORT)"
"$PYTHON" "$ROOT/scripts/demo_mail.py" serve "$MAILS" "$IMAP_PORT" "$SMTP_PORT" \
    >"$RUN_DIR/demo-mail.log" 2>&1 &
MAIL_PID=$!
trap 'kill "$MAIL_PID" 2>/dev/null; wait "$MAIL_PID" 2>/dev/null' EXIT
for _i in $(seq 60); do
    grep -q '^ready' "$RUN_DIR/demo-mail.log" 2>/dev/null && break
    kill -0 "$MAIL_PID" 2>/dev/null || die "the demo mail servers stopped (see $RUN_DIR/demo-mail.log)"
    sleep 0.5
done
grep -q '^ready' "$RUN_DIR/demo-mail.log" || die "the demo mail servers did not start (see $RUN_DIR/demo-mail.log)"
(cd /tmp && "$PYTHON" "$ROOT/scripts/demo_mail.py" configure "$CONF" "$DB" "$IMAP_PORT" "$SMTP_PORT") ||
    die "could not point the demo database at the demo mail servers"

say "Odoo is starting on http://localhost:$PORT (login admin / admin); Ctrl-C stops it"
say "mails Odoo sends are kept in $MAILS/ (one .eml file each), never delivered"
cd /tmp
"$PYTHON" -m odoo -c "$CONF" --log-level=info
