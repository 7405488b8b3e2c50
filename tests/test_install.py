"""`pip install .` gives a working `lrviz` command whose `app` runs the page from the installed package."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import sysconfig
import time
import tomllib
from pathlib import Path

import pytest
from browser_helpers import ROOT, free_port
from serve_helpers import page_run

pytestmark = pytest.mark.slow


def test_the_package_declares_the_pins_of_requirements_txt():
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["dependencies"]
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    pinned = [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]
    assert sorted(declared) == sorted(pinned)
    assert "torch==2.13.0" in declared


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel built from this tree, installed without dependencies; the shared
    venv's packages (torch, streamlit, ...) are reached through a .pth file, so nothing is downloaded."""
    folder = tmp_path_factory.mktemp("install")
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                    "-w", str(folder / "dist"), str(ROOT)], check=True, capture_output=True)
    wheel = next((folder / "dist").glob("lrviz-*.whl"))
    venv = folder / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True)
    python = venv / "bin" / "python"
    site = subprocess.run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "shared_venv.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "--no-index",
                    "-q", str(wheel)], check=True, capture_output=True)
    return venv


def _env() -> dict:
    return {key: value for key, value in os.environ.items() if key not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_lrviz_command_lists_schedulers_from_the_installed_package(installed, tmp_path):
    where = subprocess.run([installed / "bin" / "python", "-c", "import lrviz; print(lrviz.__file__)"],
                           cwd=tmp_path, env=_env(), capture_output=True, text=True, check=True).stdout
    assert Path(where).is_relative_to(installed)  # not this source tree
    listing = subprocess.run([installed / "bin" / "lrviz", "list"], cwd=tmp_path, env=_env(),
                             capture_output=True, text=True)
    assert listing.returncode == 0 and re.search(r"^StepLR ", listing.stdout, re.MULTILINE)
    usage = subprocess.run([installed / "bin" / "lrviz", "--help"], cwd=tmp_path, env=_env(),
                           capture_output=True, text=True).stdout
    for command in ("list", "export", "code", "serve", "app"):
        assert command in usage
    bad = subprocess.run([installed / "bin" / "lrviz", "serve", "--workers", "0"], cwd=tmp_path, env=_env(),
                         capture_output=True, text=True)
    assert bad.returncode == 2 and bad.stderr.count("\n") == 1 and "--workers" in bad.stderr


def test_lrviz_app_serves_the_page_from_the_installed_package(installed, tmp_path):
    port = free_port()
    app = subprocess.Popen([installed / "bin" / "lrviz", "app", "--port", str(port),
                            "--address", "127.0.0.1"], cwd=tmp_path, env=_env(),
                           stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        url = f"http://127.0.0.1:{port}"
        for _ in range(240):
            if app.poll() is not None:
                pytest.fail(f"lrviz app exited: {app.stderr.read()[-500:]}")
            try:
                _, kinds = asyncio.run(page_run(url))
                break
            except OSError:
                time.sleep(0.25)
        else:
            pytest.fail("lrviz app did not answer in 60 s")
        assert "plotly_chart" in kinds and "exception" not in kinds
        script = Path(f"/proc/{app.pid}/cmdline").read_bytes().split(b"\0")
        assert any(Path(part.decode()).is_relative_to(installed) for part in script if part.endswith(b"app.py"))
    finally:
        app.terminate()
        app.wait(timeout=20)
