"""Every Python example of the README and docs/ runs as written (STYLE habit 9).

Each ```python block is saved as a script and run in a fresh process, in a scratch directory
that holds the seed scenarios (``scenarios/``) and the results directories the docs assume an
earlier step wrote (``results/rota``, ``results/first-comparison``: small comparisons made here
with the CLI); nothing else (no ``../shared``: a reader has only the package and the repository).

An example must print once: the process executor starts its workers with ``spawn``, and each
worker re-imports the script as ``__mp_main__``, so work left outside ``if __name__ ==
"__main__":`` runs again in every worker. A line put before each script marks whatever a worker
prints (:data:`WORKER_MARK`); the test fails if the mark shows up.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
FILES = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
BLOCK = re.compile(r"```python\n(.*?)```", re.DOTALL)
RESULTS = ("results/rota", "results/first-comparison")
WORKER_MARK = "@@printed again by a worker process@@"
# Prepended to every example: in a worker process (a re-import of the script as __mp_main__),
# whatever the script itself prints carries WORKER_MARK (a module-level print, libraries
# untouched).
PRELUDE = (
    "if __name__ == '__mp_main__':\n"
    "    def print(*args, _print=print, **kwargs):\n"
    f"        _print({WORKER_MARK!r}, *args, **kwargs)\n"
)


def blocks() -> list[tuple[str, str]]:
    out = []
    for path in FILES:
        for i, code in enumerate(BLOCK.findall(path.read_text(encoding="utf-8"))):
            out.append((f"{path.relative_to(ROOT)}#{i + 1}", code))
    return out


@pytest.fixture(scope="module")
def workdir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("docs")
    work = base / "work"
    work.mkdir()
    (work / "scenarios").symlink_to(ROOT / "scenarios")
    for out in RESULTS:
        proc = subprocess.run(
            [
                sys.executable,
                "-m",
                "accesssim.cli",
                "compare",
                "scenarios/monts-du-lyonnais.yaml",
                "scenarios/monts-du-lyonnais-reserved-slots.yaml",
                "--replications",
                "2",
                "--horizon",
                "150",
                "--set",
                "calendar.warmup_days=30",
                "--executor",
                "serial",
                "--out",
                out,
                "--format",
                "csv",
            ],
            cwd=work,
            capture_output=True,
            text=True,
        )
        assert proc.returncode == 0, proc.stderr
    return work


@pytest.mark.slow
@pytest.mark.parametrize(("where", "code"), blocks(), ids=[b[0] for b in blocks()])
def test_example_runs(workdir: Path, where: str, code: str) -> None:
    script = workdir / f"example_{re.sub(r'[^A-Za-z0-9]+', '_', where)}.py"
    script.write_text(PRELUDE + code, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, script.name], cwd=workdir, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{where} failed:\n{proc.stderr[-3000:]}"
    assert WORKER_MARK not in proc.stdout + proc.stderr, (
        f"{where} prints again in each worker process: put its work under "
        f"'if __name__ == \"__main__\":'\n{proc.stdout[-3000:]}"
    )


def test_worker_mark_catches_unguarded_work(tmp_path: Path) -> None:
    """The mark shows up when an example prints outside the guard and spawns workers."""
    (tmp_path / "scenarios").symlink_to(ROOT / "scenarios")
    script = tmp_path / "unguarded.py"
    script.write_text(
        PRELUDE
        + "import multiprocessing as mp\n"
        + "print('top level')\n"
        + "if __name__ == '__main__':\n"
        + "    with mp.get_context('spawn').Pool(1) as pool:\n"
        + "        pool.map(abs, [1])\n",
        encoding="utf-8",
    )
    proc = subprocess.run(
        [sys.executable, script.name], cwd=tmp_path, capture_output=True, text=True, timeout=120
    )
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.count("top level") == 2
    assert WORKER_MARK in proc.stdout
