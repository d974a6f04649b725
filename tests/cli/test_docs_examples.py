"""Every Python example of the README and docs/ runs as written (STYLE habit 9).

Each ```python block is saved as a script and run in a scratch directory that holds the seed
scenarios (``scenarios/``), the shared data beside it (``../shared``, as on a developer's
machine and in CI) and the results directories the docs assume an earlier step wrote
(``results/rota``, ``results/first-comparison``: small comparisons made here with the CLI).
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
    shared = ROOT.parent / "shared"
    if shared.is_dir():
        (base / "shared").symlink_to(shared)
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
    if "../shared/" in code and not (workdir.parent / "shared").exists():
        pytest.skip("../shared is not beside the repository")
    script = workdir / f"example_{re.sub(r'[^A-Za-z0-9]+', '_', where)}.py"
    script.write_text(code, encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, script.name], cwd=workdir, capture_output=True, text=True, timeout=600
    )
    assert proc.returncode == 0, f"{where} failed:\n{proc.stderr[-3000:]}"
