"""The documentation cannot rot: its runnable commands run, its links lead somewhere, the README stays a front door.

A fenced block opened with ```` ```bash runnable ```` is run here, line by line, from the repository's root with
this interpreter's folder first on PATH; plain ```` ```bash ```` blocks (`make run`, `lrviz serve`, …) are shown,
not run.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCS = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
FENCE = re.compile(r"^```([^\n`]*)\n(.*?)^```", re.M | re.S)
MAX_README_WORDS = 1300  # "at most about 1,200": the front door, not the manual


def blocks(path: Path, info: str) -> list[str]:
    return [body for found, body in FENCE.findall(path.read_text()) if found.strip() == info]


def commands(path: Path) -> list[str]:
    lines = [line.strip() for body in blocks(path, "bash runnable") for line in body.splitlines()]
    return [line for line in lines if line and not line.startswith("#")]


RUNNABLE = [(path.relative_to(ROOT).as_posix(), command) for path in DOCS for command in commands(path)]


def test_the_docs_have_runnable_commands() -> None:
    assert len(RUNNABLE) >= 5
    assert {path for path, _ in RUNNABLE} >= {"README.md", "docs/practitioners.md"}


@pytest.mark.slow
@pytest.mark.parametrize(("path", "command"), RUNNABLE)
def test_a_documented_command_runs(path: str, command: str, tmp_path: Path) -> None:
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
           "PYTHONPATH": str(ROOT)}
    done = subprocess.run(["bash", "-euo", "pipefail", "-c", command], cwd=ROOT, env=env, capture_output=True,
                          text=True, timeout=300, stdin=subprocess.DEVNULL)
    assert done.returncode == 0, f"{path}: `{command}` exited {done.returncode}:\n{done.stderr[-2000:]}"
    assert "Traceback" not in done.stderr


def test_the_readme_quick_start_is_two_commands() -> None:
    (quick_start,) = [body for body in blocks(ROOT / "README.md", "bash")
                      if "make run" in body and "make test" in body]
    lines = [line for line in quick_start.splitlines() if line.strip() and not line.strip().startswith("#")]
    assert [line.split("#")[0].strip() for line in lines] == ["make run", "make test"]


def test_the_readme_is_a_front_door() -> None:
    text = (ROOT / "README.md").read_text()
    assert len(text.split()) <= MAX_README_WORDS
    for doc in ("teaching", "practitioners", "security", "performance", "deployment"):
        assert f"docs/{doc}.md" in text, f"the README links to docs/{doc}.md"


@pytest.mark.parametrize("path", DOCS, ids=lambda path: path.name)
def test_every_relative_link_leads_to_a_file(path: Path) -> None:
    text = FENCE.sub("", path.read_text())  # links inside code blocks are examples, not links
    targets = re.findall(r"\]\(([^)\s]+)\)", text) + re.findall(r'src="([^"]+)"', text)
    broken = [target for target in targets if not re.match(r"[a-z]+:", target)
              and not (path.parent / target.split("#")[0]).exists()]
    assert not broken, f"{path.name} links to missing files: {broken}"
