#!/usr/bin/env bash
# The README's test command: a fresh database with the SAT addons and demo data, then every test
# with pytest-odoo on real Odoo 18.0 and PostgreSQL. Exits non-zero on any failure or missing part.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_base
# The lint step first: ruff, pylint-odoo, the OCA module and .po checks, readmes, translations.
bash "$ROOT/scripts/lint.sh" || die "the lint step failed (see above); nothing was tested"
# The mail gateway's tests run a real IMAP server; the tours, headless Chromium.
ensure_commands "dovecot:dovecot-imapd" "chromium:chromium"
ensure_template
# tests/test_addon_wheels.py installs the addon wheels into a copy of it.
export SAT_TEMPLATE_DB="$TEMPLATE_DB"
DB=${SAT_TEST_DB:-sat_test}
CONF="$RUN_DIR/test.conf"
write_config "$CONF" "$DB" "${SAT_TEST_PORT:-8169}"
new_database "$DB" "$CONF"

say "running the tests"
cd "$ROOT"
if [ "$#" = 0 ]; then
    # The addons' tests, then the repository's own (tests/: the addons as pip wheels).
    set -- ${SAT_ADDONS//,/ } tests
fi
set +e
# --odoo-http: Odoo's HTTP server runs, for the portal's HttpCase tests.
"$PYTHON" -m pytest -p no:cacheprovider --odoo-database="$DB" --odoo-config="$CONF" \
    --odoo-http -o addopts="" -q -rfEs --junitxml="$RUN_DIR/junit.xml" "$@"
status=$?
set -e
if [ "$status" = 5 ]; then
    die "pytest collected no test"
fi
# A skipped test is a test that did not run: it fails the run, loudly.
skipped=$("$PYTHON" -c "import sys, xml.etree.ElementTree as t
print(sum(int(s.get('skipped', 0)) for s in t.parse(sys.argv[1]).iter('testsuite')))" \
    "$RUN_DIR/junit.xml")
if [ "$skipped" != 0 ]; then
    die "$skipped tests were skipped (see 'SKIPPED' above): a skipped test did not run"
fi
exit "$status"
