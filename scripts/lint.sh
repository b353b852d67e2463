#!/usr/bin/env bash
# The lint step of the README's test command (scripts/test.sh runs it before the tests; alone:
# bash scripts/lint.sh). The OCA checks of the field over every addon of the repository (every
# folder with a __manifest__.py): ruff and ruff format, pylint-odoo with the OCA template's
# mandatory checks for 18.0, oca-checks-odoo-module, oca-checks-po, and scripts/check_addons.py
# (XML well-formed, manifests, pyproject.toml, generated readmes, complete Spanish translation).
# Runs them all, prints what each checked, and exits non-zero if any failed.
# .pre-commit-config.yaml runs the same checks locally.
source "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ensure_lint_tools() {
    if ! (cd /tmp && "$PYTHON" -c "import pylint_odoo, oca_pre_commit_hooks, ruff") \
        >/dev/null 2>&1; then
        say "installing the linters (requirements-dev.txt)"
        "$PYTHON" -m pip install -q -r "$ROOT/requirements-dev.txt" >"$RUN_DIR/pip-dev.log" 2>&1 ||
            die "could not install the linters of requirements-dev.txt (see $RUN_DIR/pip-dev.log)"
    fi
    (cd /tmp && "$PYTHON" -c "import pylint_odoo, oca_pre_commit_hooks, ruff") ||
        die "the linters of requirements-dev.txt are installed but cannot be imported"
}

FAILED=()
check() {
    # check NAME COMMAND...: runs one linter, records its failure.
    local name=$1
    shift
    say "lint: $name"
    if "$@"; then
        say "lint: $name: ok"
    else
        FAILED+=("$name")
        printf '\033[1;31m[sat] lint FAILED:\033[0m %s\n' "$name" >&2
    fi
}

lint() {
    ensure_lint_tools
    cd "$ROOT"
    local addons=() pos=()
    mapfile -t addons < <(find . -mindepth 2 -maxdepth 2 -name __manifest__.py -printf '%h\n' |
        sed 's|^\./||' | sort)
    [ "${#addons[@]}" -gt 0 ] || die "lint: no addon (no */__manifest__.py) found"
    mapfile -t pos < <(find "${addons[@]}" -path '*/i18n/*' \( -name '*.po' -o -name '*.pot' \) | sort)
    say "lint: addons ${addons[*]}"

    # .ruff.toml says fix = true for editors; here nothing is changed, only reported.
    check "ruff check" "$PYTHON" -m ruff check --no-fix .
    check "ruff format --check" "$PYTHON" -m ruff format --check .
    check "pylint-odoo, OCA mandatory checks (.pylintrc-mandatory)" \
        "$PYTHON" -m pylint --rcfile=.pylintrc-mandatory --output-format=text "${addons[@]}"
    say "lint: pylint-odoo, optional checks (.pylintrc): a report, never a failure"
    "$PYTHON" -m pylint --rcfile=.pylintrc --exit-zero --output-format=text "${addons[@]}"
    check "oca-checks-odoo-module" \
        "$PYTHON" -c "from oca_pre_commit_hooks.cli import main; main()" "${addons[@]}"
    # As the OCA template: po-pretty-format is a formatting taste, Odoo writes .po its own way.
    check "oca-checks-po (${#pos[@]} files)" \
        "$PYTHON" -c "from oca_pre_commit_hooks.cli_po import main; main()" \
        --disable=po-pretty-format "${pos[@]}"
    check "XML, manifests, packaging, readmes, translations (scripts/check_addons.py)" \
        "$PYTHON" scripts/check_addons.py

    if [ "${#FAILED[@]}" -gt 0 ]; then
        die "lint failed: $(IFS=';'; echo "${FAILED[*]}")"
    fi
    say "lint: all checks passed"
}

# Sourced by scripts/test.sh, run alone otherwise.
if [ "${BASH_SOURCE[0]}" = "$0" ]; then
    lint
fi
