# Shared set-up for scripts/demo.sh and scripts/test.sh. Sourced, never run.
#
# Everything a fresh machine needs is installed here when the package registries allow it;
# whatever cannot be had is named in an error and the script stops with a non-zero status.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
RUN_DIR="$ROOT/.run"
# Odoo's data (filestores) lives with the databases, machine-wide: the template database is
# shared by every checkout, and so must be its filestore.
DATA_DIR=${SAT_DATA_DIR:-${XDG_DATA_HOME:-$HOME/.local/share}/sat}
FILESTORE="$DATA_DIR/filestore"
PYTHON=${PYTHON:-python3}
SAT_ADDONS="sat_support,sat_mail_gateway,sat_reports"
# Odoo addons the SAT addons stand on; cached once in a template database per Odoo build.
BASE_ADDONS="base,web,mail,portal,account,stock,resource,product,uom"
mkdir -p "$RUN_DIR"

say() { printf '\033[1m[sat]\033[0m %s\n' "$*"; }
die() {
    printf '\033[1;31m[sat] ERROR:\033[0m %s\n' "$*" >&2
    exit 1
}

is_root() { [ "$(id -u)" = 0 ]; }

# --- Debian packages ---------------------------------------------------------------------
APT_UPDATED=0
apt_install() {
    # apt_install PACKAGE...: installs Debian packages, or stops saying which are missing.
    if ! is_root || ! command -v apt-get >/dev/null; then
        die "missing Debian packages: $*. Install them (apt-get install $*) and run again."
    fi
    if [ "$APT_UPDATED" = 0 ]; then
        say "apt-get update"
        DEBIAN_FRONTEND=noninteractive apt-get update -qq >"$RUN_DIR/apt.log" 2>&1 ||
            die "apt-get update failed (see $RUN_DIR/apt.log); missing Debian packages: $*"
        APT_UPDATED=1
    fi
    say "installing Debian packages: $*"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "$@" \
        >>"$RUN_DIR/apt.log" 2>&1 || die "could not install Debian packages: $* (see $RUN_DIR/apt.log)"
}

ensure_commands() {
    # ensure_commands "cmd:package" ...: installs the package of every missing command.
    local missing=() pair
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || missing+=("${pair#*:}")
    done
    if [ "${#missing[@]}" -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    for pair in "$@"; do
        command -v "${pair%%:*}" >/dev/null 2>&1 || die "'${pair%%:*}' is still missing after installing ${pair#*:}"
    done
}

# --- Odoo 18.0 ---------------------------------------------------------------------------
odoo_ok() {
    (cd /tmp && "$PYTHON" -c "import odoo.release as r; assert r.version_info[0] == 18" >/dev/null 2>&1)
}

ensure_odoo() {
    odoo_ok && return 0
    say "python3 cannot import Odoo 18.0: installing it"
    local src="${ODOO_SRC:-}"
    if [ -z "$src" ]; then
        src="${XDG_CACHE_HOME:-$HOME/.cache}/sat/odoo-18.0"
        if [ ! -f "$src/setup.py" ]; then
            say "no ODOO_SRC given: cloning Odoo 18.0 Community from its upstream repository"
            rm -rf "$src"
            mkdir -p "$(dirname "$src")"
            if ! timeout 900 git clone --quiet --depth 1 --branch 18.0 \
                https://github.com/odoo/odoo.git "$src" 2>"$RUN_DIR/odoo-clone.log"; then
                rm -rf "$src"
                die "Odoo 18.0 is not installed (python3 cannot import odoo) and its source could not be
       downloaded (see $RUN_DIR/odoo-clone.log). Point ODOO_SRC at an Odoo 18.0 Community
       source tree (the folder with setup.py and odoo/) and run again, e.g.
       ODOO_SRC=/opt/odoo18 $0"
            fi
        fi
    fi
    [ -f "$src/setup.py" ] && [ -f "$src/odoo/release.py" ] ||
        die "ODOO_SRC=$src is not an Odoo source tree (no setup.py or odoo/release.py)"
    grep -q "version_info = (18, 0" "$src/odoo/release.py" ||
        die "ODOO_SRC=$src is not Odoo 18.0 (see $src/odoo/release.py)"
    # Python 3.11 snags of Odoo's pinned requirements: cbor2's pin does not build, psycopg2
    # needs libpq headers (its binary wheel is the same library), python-ldap is only for auth_ldap.
    grep -vE '^\s*(#|$)' "$src/requirements.txt" |
        sed -E 's/^cbor2==[^;]*/cbor2/; s/^psycopg2==/psycopg2-binary==/; /python-ldap/d' \
            >"$RUN_DIR/odoo-requirements.txt"
    say "installing Odoo's Python requirements"
    "$PYTHON" -m pip install -q -r "$RUN_DIR/odoo-requirements.txt" >"$RUN_DIR/pip-odoo.log" 2>&1 ||
        die "could not install Odoo's Python requirements (see $RUN_DIR/pip-odoo.log)"
    # Not editable: addons installed later as wheels would shadow an editable odoo package.
    say "installing Odoo 18.0 from $src (a few minutes)"
    "$PYTHON" -m pip install -q --no-deps "$src" >>"$RUN_DIR/pip-odoo.log" 2>&1 ||
        die "could not install Odoo from $src (see $RUN_DIR/pip-odoo.log)"
    odoo_ok || die "Odoo was installed from $src but python3 still cannot import it"
}

ensure_python_requirements() {
    if ! (cd /tmp && "$PYTHON" -c "import pytest_odoo, websocket, aiosmtpd, xlsxwriter, openpyxl, freezegun, whool") \
        >/dev/null 2>&1; then
        say "installing requirements.txt"
        "$PYTHON" -m pip install -q -r "$ROOT/requirements.txt" >"$RUN_DIR/pip.log" 2>&1 ||
            die "could not install requirements.txt (see $RUN_DIR/pip.log)"
    fi
}

# --- PostgreSQL --------------------------------------------------------------------------
pg_ok() { psql -X -q -d postgres -c 'select 1' >/dev/null 2>&1; }

ensure_postgres() {
    pg_ok && return 0
    if ! command -v pg_ctlcluster >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
        apt_install postgresql
    fi
    is_root || die "PostgreSQL is not reachable through the local socket and only root can start it here"
    local ver
    ver=$(ls /usr/lib/postgresql | sort -n | tail -1)
    if ! pg_lsclusters -h 2>/dev/null | grep -q "^$ver "; then
        pg_createcluster "$ver" main >/dev/null
    fi
    say "starting PostgreSQL $ver"
    pg_ctlcluster --skip-systemctl-redirect "$ver" main start 2>/dev/null || true
    local i
    for i in $(seq 30); do
        su postgres -c "psql -X -q -c 'select 1'" >/dev/null 2>&1 && break
        sleep 1
    done
    su postgres -c "psql -X -q -tc \"select 1 from pg_roles where rolname='$(id -un)'\"" | grep -q 1 ||
        su postgres -c "createuser -s $(id -un)"
    pg_ok || die "PostgreSQL $ver was started but 'psql -d postgres' still fails for $(id -un)"
}

db_exists() { [ "$(psql -X -qtA -d postgres -c "select 1 from pg_database where datname='$1'")" = 1 ]; }

# --- Odoo configuration ------------------------------------------------------------------
write_config() {
    # write_config FILE DBNAME PORT
    cat >"$1" <<EOF
[options]
addons_path = $ROOT
db_name = $2
dbfilter = ^$2\$
list_db = False
http_port = $3
admin_passwd = admin
without_demo = False
log_level = warn
data_dir = $DATA_DIR
EOF
}

odoo_bin() { (cd /tmp && "$PYTHON" -m odoo "$@"); }

ensure_template() {
    # A database with Odoo's own addons, built once per Odoo build: copying it saves ~90 s a run.
    local stamp tmpl
    stamp=$(cd /tmp && "$PYTHON" -c "import odoo.release as r, hashlib; print(hashlib.md5((r.version + '$BASE_ADDONS').encode()).hexdigest()[:8])")
    tmpl="sat_tmpl_$stamp"
    if db_exists "$tmpl" && [ ! -d "$FILESTORE/$tmpl" ]; then
        say "the template database $tmpl has no filestore in $FILESTORE: building it again"
        dropdb "$tmpl"
    fi
    if ! db_exists "$tmpl"; then
        say "building template database $tmpl with $BASE_ADDONS (about 90 s, once)"
        write_config "$RUN_DIR/template.conf" "$tmpl" 8099
        odoo_bin -c "$RUN_DIR/template.conf" -d "$tmpl" -i "$BASE_ADDONS" --stop-after-init \
            >"$RUN_DIR/template.log" 2>&1 || {
            dropdb --if-exists "$tmpl" || true
            tail -30 "$RUN_DIR/template.log" >&2
            die "could not build the template database (see $RUN_DIR/template.log)"
        }
    fi
    TEMPLATE_DB="$tmpl"
}

copy_database() {
    # copy_database SRC DST: the database and its filestore (attachments: avatars, the
    # company logo, the assets' colours). createdb -T copies only the database.
    createdb -T "$1" "$2"
    rm -rf "${FILESTORE:?}/$2"
    if [ -d "$FILESTORE/$1" ]; then
        mkdir -p "$FILESTORE"
        cp -a "$FILESTORE/$1" "$FILESTORE/$2"
    fi
}

check_filestore() {
    # check_filestore DB: every stored attachment of DB has its file, or the run stops.
    local missing=0 fname
    while read -r fname; do
        [ -f "$FILESTORE/$1/$fname" ] || missing=$((missing + 1))
    done < <(psql -X -qtA -d "$1" -c "select store_fname from ir_attachment where store_fname is not null")
    [ "$missing" = 0 ] || die "$missing attachments of database $1 have no file in $FILESTORE/$1"
}

new_database() {
    # new_database NAME: a fresh copy of the template with the SAT addons installed (demo data on).
    dropdb --if-exists "$1" 2>/dev/null || die "cannot drop database $1 (is a server still using it?)"
    copy_database "$TEMPLATE_DB" "$1"
    say "installing $SAT_ADDONS into $1"
    odoo_bin -c "$2" -d "$1" -i "$SAT_ADDONS" --stop-after-init >"$RUN_DIR/install-$1.log" 2>&1 || {
        tail -40 "$RUN_DIR/install-$1.log" >&2
        die "installing $SAT_ADDONS failed (see $RUN_DIR/install-$1.log)"
    }
    if grep -E " (ERROR|CRITICAL) " "$RUN_DIR/install-$1.log" >&2; then
        die "installing $SAT_ADDONS logged errors (see $RUN_DIR/install-$1.log)"
    fi
    check_filestore "$1"
}

update_database() {
    # update_database NAME CONF: updates the SAT addons in an existing database, installing
    # the ones it does not have yet. Only those are given to -i: Odoo loads an addon given
    # to -i in "init" mode, which would rewrite its demo records (and Odoo refuses to
    # rewrite stock quants).
    local installed missing=() addon
    installed=$(psql -X -qtA -d "$1" -c "select name from ir_module_module where state = 'installed'")
    for addon in ${SAT_ADDONS//,/ }; do
        grep -qx "$addon" <<<"$installed" || missing+=("$addon")
    done
    local install=()
    if [ "${#missing[@]}" -gt 0 ]; then
        install=(-i "$(IFS=,; echo "${missing[*]}")")
    fi
    odoo_bin -c "$2" -d "$1" "${install[@]}" -u "$SAT_ADDONS" --stop-after-init \
        >"$RUN_DIR/update-$1.log" 2>&1 || die "updating $SAT_ADDONS in $1 failed (see $RUN_DIR/update-$1.log)"
    if grep -E " (ERROR|CRITICAL) | WARNING .*(failed|demo data)" "$RUN_DIR/update-$1.log" >&2; then
        die "updating $SAT_ADDONS in $1 logged errors (see $RUN_DIR/update-$1.log)"
    fi
}

ensure_base() {
    ensure_commands "git:git" "psql:postgresql-client" "wkhtmltopdf:wkhtmltopdf"
    ensure_postgres
    ensure_odoo
    ensure_python_requirements
}
