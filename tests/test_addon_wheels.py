"""The addons as pip packages: every addon of the repository (every folder with a
__manifest__.py) builds as an odoo-addon-<name> wheel with whool, whose metadata name
the addons and Python libraries it needs; the wheels install into a Python environment
of their own and Odoo installs the addons from there, the repository off its path.

A plain pytest test that shells out (pip, Odoo, PostgreSQL's createdb): run by
scripts/test.sh, which exports SAT_TEMPLATE_DB, the template database the test copies.
"""

import ast
import os
import re
import subprocess
import sys
import zipfile
from email.parser import Parser
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
ADDONS = sorted(p.parent.name for p in ROOT.glob("*/__manifest__.py"))
# Every addon is installed from the wheels (Odoo takes the dependencies in order).
INSTALLED = ",".join(ADDONS)
DB = "sat_wheel_test"


def run(cmd, **kwargs):
    """Runs a command from /tmp (never the repository) and fails with its output."""
    proc = subprocess.run(
        cmd, cwd="/tmp", capture_output=True, text=True, check=False, **kwargs
    )
    assert proc.returncode == 0, (
        f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n"
        f"{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    )
    return proc


def manifest(addon):
    return ast.literal_eval((ROOT / addon / "__manifest__.py").read_text())


def wheel_metadata(wheel):
    with zipfile.ZipFile(wheel) as archive:
        name = next(n for n in archive.namelist() if n.endswith(".dist-info/METADATA"))
        return Parser().parsestr(archive.read(name).decode())


@pytest.fixture(scope="module")
def wheels(tmp_path_factory):
    """odoo-addon-<name> wheels of every addon, built like `pip wheel ./<addon>`."""
    out = tmp_path_factory.mktemp("wheels")
    for addon in ADDONS:
        assert (ROOT / addon / "pyproject.toml").exists(), f"{addon}: no pyproject.toml"
    # No build isolation: whool comes from requirements-dev.txt, no index is needed.
    run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps"]
        + ["--no-build-isolation", "--wheel-dir", str(out)]
        + [str(ROOT / addon) for addon in ADDONS]
    )
    built = {}
    for wheel in out.glob("*.whl"):
        name = wheel.name.split("-")[0].removeprefix("odoo_addon_")
        built[name] = wheel
    assert sorted(built) == ADDONS
    return built


def test_every_addon_builds_a_wheel_named_after_it_and_its_version(wheels):
    for addon, wheel in wheels.items():
        version = manifest(addon)["version"]
        assert re.fullmatch(
            rf"odoo_addon_{addon}-{re.escape(version)}(\.\d+)?-py3-none-any\.whl",
            wheel.name,
        ), wheel.name
        with zipfile.ZipFile(wheel) as archive:
            files = archive.namelist()
        assert f"odoo/addons/{addon}/__manifest__.py" in files
        assert f"odoo/addons/{addon}/README.rst" in files
        assert f"odoo/addons/{addon}/static/description/index.html" in files
        assert f"odoo/addons/{addon}/i18n/es.po" in files


def test_wheel_dependencies_name_the_addons_and_libraries_it_needs(wheels):
    for addon, wheel in wheels.items():
        meta = wheel_metadata(wheel)
        assert meta["Name"] == f"odoo-addon-{addon}"
        requires = meta.get_all("Requires-Dist") or []
        assert "odoo==18.0.*" in requires, requires
        data = manifest(addon)
        for dep in data["depends"]:
            if dep in ADDONS:
                assert f"odoo-addon-{dep}==18.0.*" in requires, (dep, requires)
        for lib in data.get("external_dependencies", {}).get("python", []):
            assert any(r.startswith(lib) for r in requires), (lib, requires)
        assert "Framework :: Odoo :: 18.0" in meta.get_all("Classifier")
    assert "odoo-addon-sat_support==18.0.*" in (
        wheel_metadata(wheels["sat_mail_gateway"]).get_all("Requires-Dist")
    )


@pytest.fixture(scope="module")
def wheel_env(wheels, tmp_path_factory):
    """A throwaway Python environment (Odoo from the system) with the addon wheels."""
    env = tmp_path_factory.mktemp("venv")
    run([sys.executable, "-m", "venv", "--system-site-packages", "--without-pip", env])
    python = env / "bin" / "python"
    # The system's pip, running inside the environment, installs into it.
    run(
        [python, "-m", "pip", "install", "-q", "--no-deps", "--no-index"]
        + [str(w) for w in wheels.values()]
    )
    return python


def test_odoo_installs_the_addons_from_the_wheels(wheel_env, tmp_path):
    python = wheel_env
    template = os.environ.get("SAT_TEMPLATE_DB")
    assert template, (
        "SAT_TEMPLATE_DB is not set: run this test through scripts/test.sh, which "
        "builds the template database it copies"
    )
    site = run(
        [python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]
    ).stdout.strip()
    # Odoo finds the addons in the environment's odoo/addons: no addons_path is given.
    paths = run(
        [
            python,
            "-c",
            (
                "import odoo.modules.module as m\n"
                f"for a in {ADDONS!r}: print(m.get_module_path(a))"
            ),
        ],
        env={**os.environ, "PYTHONPATH": ""},
    )
    for addon, path in zip(ADDONS, paths.stdout.splitlines(), strict=True):
        assert path == f"{site}/odoo/addons/{addon}", (addon, path)
        assert not path.startswith(str(ROOT))

    conf = tmp_path / "odoo.conf"
    conf.write_text(
        f"[options]\ndata_dir = {tmp_path}/filestore\nlog_level = warn\n"
        "list_db = False\nhttp_port = 8399\n"
    )
    run(["dropdb", "--if-exists", DB])
    run(["createdb", "-T", template, DB])
    try:
        out = run(
            [python, "-m", "odoo", "-c", conf, "-d", DB, "-i", INSTALLED]
            + ["--stop-after-init"],
            env={**os.environ, "PYTHONPATH": ""},
        )
        log = out.stdout + out.stderr
        assert not re.search(r" (ERROR|CRITICAL) ", log), log[-3000:]
        states = run(
            ["psql", "-X", "-qtA", "-d", DB, "-c"]
            + [
                (
                    "select name, state, latest_version from ir_module_module "
                    "where name like 'sat_%' order by name"
                )
            ]
        ).stdout.split()
    finally:
        run(["dropdb", "--if-exists", DB])
    expected = [f"{a}|installed|{manifest(a)['version']}" for a in ADDONS]
    assert states == expected
