# Sourced by bench/run.sh for the mail_gateway bench: OCA's helpdesk_mgmt 18.0, from its
# published wheel, in a database of its own built from the same template, to fetch the same
# mails in the same run.
OCA_DIR="$RUN_DIR/oca-helpdesk"
OCA_DB="${SAT_BENCH_DB:-sat_bench}_oca"
if [ ! -f "$OCA_DIR/odoo/addons/helpdesk_mgmt/__manifest__.py" ]; then
    say "downloading OCA helpdesk_mgmt 18.0"
    rm -rf "$OCA_DIR" && mkdir -p "$OCA_DIR/wheel"
    "$PYTHON" -m pip download -q --no-deps -d "$OCA_DIR/wheel" "odoo-addon-helpdesk_mgmt>=18.0a,<18.1a" \
        >"$RUN_DIR/oca-download.log" 2>&1 ||
        die "could not download OCA helpdesk_mgmt 18.0 (see $RUN_DIR/oca-download.log)"
    "$PYTHON" -m zipfile -e "$OCA_DIR"/wheel/*.whl "$OCA_DIR" ||
        die "could not unpack $(ls "$OCA_DIR"/wheel/*.whl)"
fi
sed -i "s|^addons_path = .*|addons_path = $ROOT,$OCA_DIR/odoo/addons|" "$CONF"
if ! db_exists "$OCA_DB"; then
    say "installing OCA helpdesk_mgmt into $OCA_DB"
    copy_database "$TEMPLATE_DB" "$OCA_DB"
    odoo_bin -c "$CONF" -d "$OCA_DB" -i helpdesk_mgmt --stop-after-init >"$RUN_DIR/install-$OCA_DB.log" 2>&1 || {
        dropdb --if-exists "$OCA_DB"
        die "installing helpdesk_mgmt failed (see $RUN_DIR/install-$OCA_DB.log)"
    }
fi
export SAT_BENCH_OCA_DB="$OCA_DB"
