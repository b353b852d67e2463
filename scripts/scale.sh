#!/usr/bin/env bash
# A deployment as a company that outgrew one Odoo process runs it, on this machine:
#   - a PostgreSQL primary and a streaming replica of it (two Debian clusters, the replica
#     made with pg_basebackup);
#   - Odoo in prefork mode (SAT_SCALE_WORKERS HTTP workers, 2 cron workers), reading its
#     read-only requests (statistics, lists, dashboards) on the replica (db_replica_host);
#   - a Dovecot with 50 customer mailboxes and an SMTP sink;
#   - a database of 100,000 cases over two years (SAT_SCALE_CASES), and OCA's
#     helpdesk_mgmt 18.0 with as many tickets, beside it, for the comparison.
#
#   bash scripts/scale.sh            # start it all (fills the databases the first time)
#   bash scripts/scale.sh load [S]   # + a Locust load test of S seconds (300), figures in bench/RESULTS.md
#   bash scripts/scale.sh stop       # stop Odoo, the mail servers and both clusters
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ACTION=${1:-start}
SCALE_DIR="$RUN_DIR/scale"
PG_VER=$(ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1)
PRIMARY_PORT=${SAT_SCALE_PRIMARY_PORT:-5440}
REPLICA_PORT=${SAT_SCALE_REPLICA_PORT:-5441}
HTTP_PORT=${SAT_SCALE_HTTP_PORT:-8369}
IMAP_PORT=${SAT_SCALE_IMAP_PORT:-8243}
SMTP_PORT=${SAT_SCALE_SMTP_PORT:-8125}
WORKERS=${SAT_SCALE_WORKERS:-4}
CASES=${SAT_SCALE_CASES:-100000}
DB=${SAT_SCALE_DB:-sat_scale}
OCA_DB="${DB}_oca"
CONF="$SCALE_DIR/odoo.conf"
mkdir -p "$SCALE_DIR"

primary() { PGPORT=$PRIMARY_PORT PGHOST=127.0.0.1 "$@"; }

stop_all() {
    local pid
    for pid in "$SCALE_DIR"/odoo.pid "$SCALE_DIR"/mail.pid; do
        if [ -f "$pid" ]; then
            kill "$(cat "$pid")" 2>/dev/null || true
            rm -f "$pid"
        fi
    done
    sleep 2
    pg_ctlcluster --skip-systemctl-redirect "$PG_VER" sat_replica stop 2>/dev/null || true
    pg_ctlcluster --skip-systemctl-redirect "$PG_VER" sat_primary stop 2>/dev/null || true
}

if [ "$ACTION" = stop ]; then
    stop_all
    say "stopped"
    exit 0
fi

ensure_base
is_root || die "scripts/scale.sh makes two PostgreSQL clusters: run it as root"
ensure_commands "dovecot:dovecot-imapd" "pg_basebackup:postgresql"
# Prefork Odoo runs its websocket process under gevent, whose plugins are found through
# pkg_resources: an old setuptools does not find zope.interface's newer metadata, and
# setuptools 81 dropped pkg_resources.
gevent_ok() { (cd /tmp && "$PYTHON" -c "import gevent.monkey; gevent.monkey.patch_all()") >/dev/null 2>&1; }
if ! gevent_ok; then
    say "gevent cannot start (pkg_resources): installing setuptools 70-80"
    "$PYTHON" -m pip install -q "setuptools>=70,<81" >"$SCALE_DIR/pip-setuptools.log" 2>&1 || true
    gevent_ok || die "gevent cannot start, so Odoo's websocket process cannot either (see $SCALE_DIR/pip-setuptools.log)"
fi

# --- PostgreSQL: a primary and its streaming replica ---------------------------------------
start_primary() {
    if ! pg_lsclusters -h | grep -q "^$PG_VER sat_primary "; then
        say "creating the PostgreSQL cluster sat_primary (port $PRIMARY_PORT)"
        pg_createcluster "$PG_VER" sat_primary -p "$PRIMARY_PORT" >/dev/null
        local conf="/etc/postgresql/$PG_VER/sat_primary"
        cat >>"$conf/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
wal_level = replica
max_wal_senders = 4
hot_standby = on
max_connections = 200
shared_buffers = 1GB
work_mem = 16MB
EOF
        cat >"$conf/pg_hba.conf" <<EOF
local all all trust
host all all 127.0.0.1/32 trust
host replication all 127.0.0.1/32 trust
EOF
    fi
    pg_ctlcluster --skip-systemctl-redirect "$PG_VER" sat_primary start 2>/dev/null || true
    for _i in $(seq 30); do
        primary psql -X -q -U postgres -d postgres -c 'select 1' >/dev/null 2>&1 && break
        sleep 1
    done
    primary psql -X -qtA -U postgres -d postgres -c "select 1 from pg_roles where rolname='$(id -un)'" | grep -q 1 ||
        primary createuser -U postgres -s "$(id -un)"
}

start_replica() {
    if ! pg_lsclusters -h | grep -q "^$PG_VER sat_replica "; then
        say "creating the streaming replica sat_replica (port $REPLICA_PORT) with pg_basebackup"
        pg_createcluster "$PG_VER" sat_replica -p "$REPLICA_PORT" >/dev/null
        local conf="/etc/postgresql/$PG_VER/sat_replica" data="/var/lib/postgresql/$PG_VER/sat_replica"
        cp "/etc/postgresql/$PG_VER/sat_primary/pg_hba.conf" "$conf/pg_hba.conf"
        cat >>"$conf/postgresql.conf" <<EOF
listen_addresses = '127.0.0.1'
hot_standby = on
max_connections = 200
shared_buffers = 1GB
work_mem = 16MB
EOF
        rm -rf "${data:?}"/*
        su postgres -c "pg_basebackup -h 127.0.0.1 -p $PRIMARY_PORT -U postgres -D $data -R -X stream" \
            >"$SCALE_DIR/basebackup.log" 2>&1 || die "pg_basebackup failed (see $SCALE_DIR/basebackup.log)"
    fi
    pg_ctlcluster --skip-systemctl-redirect "$PG_VER" sat_replica start 2>/dev/null || true
    for _i in $(seq 30); do
        [ "$(PGPORT=$REPLICA_PORT PGHOST=127.0.0.1 psql -X -qtA -U postgres -d postgres \
            -c 'select pg_is_in_recovery()' 2>/dev/null)" = t ] && return 0
        sleep 1
    done
    die "the replica does not answer as a standby on port $REPLICA_PORT"
}

start_primary
start_replica

stop_pid() {
    # stop_pid FILE: stops the process and waits until it is gone (its ports free).
    local pid
    [ -f "$1" ] || return 0
    pid=$(cat "$1")
    kill "$pid" 2>/dev/null || true
    for _i in $(seq 30); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 1
    done
    rm -f "$1"
}
# A running server would hold the databases and run its crons while they are updated.
stop_pid "$SCALE_DIR/odoo.pid"

# --- The databases --------------------------------------------------------------------------
cat >"$CONF" <<EOF
[options]
addons_path = $ROOT,$RUN_DIR/oca-helpdesk/odoo/addons
db_host = 127.0.0.1
db_port = $PRIMARY_PORT
db_replica_host = 127.0.0.1
db_replica_port = $REPLICA_PORT
db_maxconn = 64
dbfilter = ^($DB|$OCA_DB)\$
list_db = False
http_port = $HTTP_PORT
admin_passwd = admin
without_demo = False
log_level = warn
data_dir = $SCALE_DIR/data
workers = $WORKERS
max_cron_threads = 2
limit_time_cpu = 600
limit_time_real = 1200
limit_memory_soft = 2147483648
limit_memory_hard = 2684354560
EOF

db_on_primary() { [ "$(primary psql -X -qtA -d postgres -c "select 1 from pg_database where datname='$1'")" = 1 ]; }

if [ ! -f "$RUN_DIR/oca-helpdesk/odoo/addons/helpdesk_mgmt/__manifest__.py" ]; then
    say "downloading OCA helpdesk_mgmt 18.0"
    rm -rf "$RUN_DIR/oca-helpdesk" && mkdir -p "$RUN_DIR/oca-helpdesk/wheel"
    "$PYTHON" -m pip download -q --no-deps -d "$RUN_DIR/oca-helpdesk/wheel" \
        "odoo-addon-helpdesk_mgmt>=18.0a,<18.1a" >"$SCALE_DIR/oca-download.log" 2>&1 ||
        die "could not download OCA helpdesk_mgmt 18.0 (see $SCALE_DIR/oca-download.log)"
    "$PYTHON" -m zipfile -e "$RUN_DIR"/oca-helpdesk/wheel/*.whl "$RUN_DIR/oca-helpdesk"
fi

install_db() {
    # install_db NAME ADDONS
    if db_on_primary "$1" && [ -f "$SCALE_DIR/$1.installed" ]; then
        say "updating $2 in $1"
        odoo_bin -c "$CONF" -d "$1" -u "$2" --workers=0 --max-cron-threads=0 --stop-after-init \
            >"$SCALE_DIR/update-$1.log" 2>&1 || die "updating $1 failed (see $SCALE_DIR/update-$1.log)"
        return 0
    fi
    say "installing $2 into $1 on the primary (a few minutes, once)"
    primary dropdb --if-exists "$1"
    odoo_bin -c "$CONF" -d "$1" -i "$2" --workers=0 --max-cron-threads=0 --stop-after-init \
        >"$SCALE_DIR/install-$1.log" 2>&1 || die "installing $2 into $1 failed (see $SCALE_DIR/install-$1.log)"
    touch "$SCALE_DIR/$1.installed"
}
install_db "$DB" "$SAT_ADDONS"
install_db "$OCA_DB" "helpdesk_mgmt"

# --- Mail servers ---------------------------------------------------------------------------
stop_pid "$SCALE_DIR/mail.pid"
say "starting Dovecot with 50 customer mailboxes (IMAP $IMAP_PORT) and an SMTP sink ($SMTP_PORT)"
(cd /tmp && exec "$PYTHON" "$ROOT/bench/scale.py" serve "$SCALE_DIR" "$IMAP_PORT" "$SMTP_PORT") \
    >"$SCALE_DIR/mail.log" 2>&1 &
echo $! >"$SCALE_DIR/mail.pid"
for _i in $(seq 60); do
    grep -q '^ready' "$SCALE_DIR/mail.log" 2>/dev/null && break
    kill -0 "$(cat "$SCALE_DIR/mail.pid")" 2>/dev/null || die "the mail servers stopped (see $SCALE_DIR/mail.log)"
    sleep 0.5
done
grep -q '^ready' "$SCALE_DIR/mail.log" || die "the mail servers did not start (see $SCALE_DIR/mail.log)"

say "filling $DB and $OCA_DB up to $CASES cases each (once; SQL for the bulk, the ORM for the rest)"
(cd /tmp && "$PYTHON" "$ROOT/bench/scale.py" fill "$CONF" "$DB" "$OCA_DB" "$CASES" "$IMAP_PORT" "$SMTP_PORT") ||
    die "filling the databases failed"

# --- Odoo, prefork ---------------------------------------------------------------------------
say "starting Odoo: $WORKERS HTTP workers, 2 cron workers, reads on the replica (http://localhost:$HTTP_PORT)"
# Odoo's own launcher: in prefork mode it starts its websocket process by running
# itself again, which "python -m odoo" cannot do.
ODOO_BIN="$("$PYTHON" -c "import sysconfig; print(sysconfig.get_path('scripts'))")/odoo"
[ -x "$ODOO_BIN" ] || die "Odoo's launcher $ODOO_BIN is missing (reinstall Odoo with pip)"
(cd /tmp && exec "$ODOO_BIN" -c "$CONF" --pidfile="$SCALE_DIR/odoo.pid" --logfile="$SCALE_DIR/odoo.log") &
for _i in $(seq 120); do
    curl -sf "http://127.0.0.1:$HTTP_PORT/web/login?db=$DB" >/dev/null 2>&1 && break
    sleep 1
done
curl -sf "http://127.0.0.1:$HTTP_PORT/web/login?db=$DB" >/dev/null || die "Odoo did not answer (see $SCALE_DIR/odoo.log)"
say "ready: $DB and $OCA_DB on http://localhost:$HTTP_PORT (admin / admin)"

if [ "$ACTION" = load ]; then
    SECONDS_LOAD=${2:-300}
    LOCUST_VENV="$RUN_DIR/locust-venv"
    if [ ! -x "$LOCUST_VENV/bin/locust" ]; then
        say "installing Locust in $LOCUST_VENV"
        "$PYTHON" -m venv "$LOCUST_VENV"
        "$LOCUST_VENV/bin/pip" install -q locust >"$SCALE_DIR/locust-install.log" 2>&1 ||
            die "could not install Locust (see $SCALE_DIR/locust-install.log)"
    fi
    say "load test: $SECONDS_LOAD s of agents, managers, portal customers and mail deliveries"
    # Each worker loads each database's registry at its first request: not the users' wait.
    warming=()
    for _i in $(seq $((WORKERS * 4))); do
        curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/web/login?db=$DB" &
        warming+=($!)
        curl -s -o /dev/null "http://127.0.0.1:$HTTP_PORT/web/login?db=$OCA_DB" &
        warming+=($!)
    done
    wait "${warming[@]}"
    rm -f "$SCALE_DIR"/delivered-*
    (cd /tmp && "$PYTHON" "$ROOT/bench/scale.py" before "$CONF" "$DB" "$SCALE_DIR")
    SAT_SCALE_DB="$DB" SAT_SCALE_OCA_DB="$OCA_DB" SAT_SCALE_IMAP_PORT="$IMAP_PORT" \
        "$LOCUST_VENV/bin/locust" -f "$ROOT/bench/locustfile.py" --headless \
        --host "http://127.0.0.1:$HTTP_PORT" -u "${SAT_SCALE_USERS:-40}" -r 4 \
        -t "${SECONDS_LOAD}s" --csv "$SCALE_DIR/locust" --only-summary \
        >"$SCALE_DIR/locust.log" 2>&1 || true
    (cd /tmp && "$PYTHON" "$ROOT/bench/scale.py" report "$CONF" "$DB" "$SCALE_DIR" "$ROOT/bench/RESULTS.md" \
        "$WORKERS" "$SECONDS_LOAD") || die "the load test's report failed (see $SCALE_DIR/locust.log)"
fi
