"""Installing: the wheel builds without setuptools warnings and holds every file the app reads;
`dev.sh serve` installs the runtime dependencies only, `dev.sh test` adds the test tools; the
Dockerfile is one the image check can build."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from conftest import ROOT

try:
    import tomllib
except ImportError:  # pragma: no cover - Python 3.11+ has it
    tomllib = None

PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def wheel_build(tmp_path_factory) -> tuple[zipfile.ZipFile, str]:
    """The project's wheel, built offline by setuptools from a copy of the sources, and the
    output (its warnings) of that build and of an editable one (what dev.sh installs)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for name in ("index", "bot"):
        shutil.copytree(ROOT / name, src / name, ignore=shutil.ignore_patterns("__pycache__"))
    outputs = {}
    for kind in ("editable", "wheel"):  # one process each: setuptools keeps state between them
        out = tmp_path_factory.mktemp(kind)
        p = subprocess.run(
            [sys.executable, "-c", "import sys; from setuptools import build_meta as b; "
             f"print(b.build_{kind}(sys.argv[1]))", str(out)],
            cwd=src, capture_output=True, text=True, timeout=300)
        assert p.returncode == 0, p.stderr[-3000:]
        outputs[kind] = (out / p.stdout.split()[-1], p.stdout + p.stderr)
    return zipfile.ZipFile(outputs["wheel"][0]), outputs["editable"][1] + outputs["wheel"][1]


def test_wheel_builds_without_warnings(wheel_build):
    _, output = wheel_build
    # setuptools frames its warnings and notes in "!!" banners (Warning, InformationOnly)
    warnings = [ln for ln in output.splitlines() if re.search(r"warn|deprecat|information|!!", ln, re.I)
                and "byte-compiling is disabled" not in ln]
    assert warnings == [], "\n".join(warnings)


def test_the_command_starts_through_the_launcher(wheel_build):
    """`privacybot` is bot/launch.py's main (the garbage collector off while it starts)."""
    wheel, _ = wheel_build
    [entry_points] = [n for n in wheel.namelist() if n.endswith(".dist-info/entry_points.txt")]
    assert "privacybot = bot.launch:main" in wheel.read(entry_points).decode()


def test_wheel_holds_every_file_the_app_reads(wheel_build):
    wheel, _ = wheel_build
    names = set(wheel.namelist())
    expected = {p.relative_to(ROOT).as_posix() for top in ("index", "bot")
                for p in (ROOT / top).rglob("*")
                if p.is_file() and "__pycache__" not in p.parts and p.suffix != ".pyc"}
    assert {"bot/migrations/env.py", "bot/migrations/script.py.mako",
            "bot/migrations/versions/0001_questions_and_feedback.py", "bot/static/widget.js",
            "bot/templates/policy.html", "index/vocab/apps.txt"} <= expected
    assert sorted(expected - names) == []


def test_license_is_an_spdx_string():
    assert PYPROJECT["project"]["license"] == "MIT"


def test_runtime_dependencies_hold_no_test_tool():
    runtime = " ".join(PYPROJECT["project"]["dependencies"]).lower()
    for tool in ("pytest", "playwright", "schemathesis", "hypothesis", "rank-bm25", "httpx"):
        assert tool not in runtime, tool


# -- dev.sh, run for real with a stand-in for the virtual environment's python and pip -----------

STUB = """#!/bin/sh
echo "$(basename "$0") $*" >> "{log}"
"""


@pytest.fixture()
def checkout(tmp_path) -> Path:
    """A folder with dev.sh and pyproject.toml, whose .venv records what it is asked to run."""
    shutil.copy(ROOT / "dev.sh", tmp_path / "dev.sh")
    shutil.copy(ROOT / "pyproject.toml", tmp_path / "pyproject.toml")
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    for name in ("python", "privacybot"):
        (bin_dir / name).write_text(STUB.format(log=tmp_path / "calls.txt"))
        (bin_dir / name).chmod(0o755)
    return tmp_path


COMPILE = "python -m compileall -q index bot"


def dev_sh(checkout: Path, *args: str) -> list[str]:
    """Run `bash dev.sh ARGS` in `checkout`; the calls it made, one line each."""
    log = checkout / "calls.txt"
    log.unlink(missing_ok=True)
    p = subprocess.run(["bash", str(checkout / "dev.sh"), *args], capture_output=True, text=True,
                       timeout=60, env={**os.environ, "PYTHON": "/nonexistent/python3"})
    assert p.returncode == 0, p.stderr
    return log.read_text().splitlines() if log.exists() else []


def test_dev_sh_serve_installs_the_runtime_dependencies_only(checkout):
    calls = dev_sh(checkout, "serve", "--port", "9000")
    assert "python -m pip install --quiet -e ." in calls
    assert not any("[dev]" in c for c in calls), calls
    assert calls[-1] == "privacybot serve --port 9000"
    # installed once; the project's bytecode is brought up to date before each start (also
    # where PYTHONDONTWRITEBYTECODE keeps Python from writing it)
    assert dev_sh(checkout, "serve") == [COMPILE, "privacybot serve"]


def test_dev_sh_test_installs_the_test_tools_and_serve_then_reuses_them(checkout):
    assert dev_sh(checkout, "serve")[-1] == "privacybot serve"
    calls = dev_sh(checkout, "test", "-q")
    assert "python -m pip install --quiet -e .[dev]" in calls
    assert calls[-1] == "python -m pytest -q"
    assert dev_sh(checkout, "test", "-x") == ["python -m pytest -x"]
    assert dev_sh(checkout, "serve") == [COMPILE, "privacybot serve"]  # the test install holds the runtime
    os.utime(checkout / "pyproject.toml", (2e9, 2e9))  # the dependencies changed: install again
    assert "python -m pip install --quiet -e .[dev]" in dev_sh(checkout, "test")


# -- Dockerfile ------------------------------------------------------------------------------------

DOCKERFILE = (ROOT / "Dockerfile").read_text(encoding="utf-8")


def test_dockerfile_starts_from_a_base_that_can_be_swapped():
    lines = [ln for ln in DOCKERFILE.splitlines() if ln.strip() and not ln.startswith("#")]
    assert lines[0] == "ARG BASE=python:3.11-slim"
    assert re.fullmatch(r"FROM \$\{BASE\} AS \w+", lines[1])


def test_dockerfile_final_stage_has_no_build_or_test_tools():
    stages = re.split(r"^FROM ", DOCKERFILE, flags=re.M)
    assert len(stages) == 3, "two stages: build, then the image"
    final = stages[-1]
    assert "COPY --from=build /opt/privacybot /opt/privacybot" in final
    assert not re.search(r"pip install|apt-get|\[dev\]|gcc|build-essential", final)
    assert re.search(r"pip install [^\n]*/src( \\)?$", stages[1], re.M)  # `.`, not `.[dev]`
    for path in re.findall(r"^COPY (?!--from)(.+) \S+$", DOCKERFILE, re.M):
        for name in path.split():
            assert (ROOT / name).exists(), name
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".venv", ".git", "tests"} <= set(ignored)
