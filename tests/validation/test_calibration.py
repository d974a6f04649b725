"""The baseline reproduces the published French figures (one test per calibration target).

Sources (../shared/CALIBRATION.md): DREES APL 2022 and Cour des comptes 2025 (GP acts per
inhabitant), CNAM and IQVIA 2018 (full-time GP output), CNAM 2021 (MT lists, adults without an
MT), ARS Auvergne-Rhône-Alpes (11.4 % without an MT in the Lyon area), DREES 2018 (delays from
request to appointment; new symptoms seen sooner than routine checks), DREES ER 1249 and Cour
des comptes 2025 (teleconsultation share), DREES ER 1320 and the DREES 2013 survey (ED visits
primary care could have handled). Each target is measured over 10 replications of one year;
the test passes when the simulated mean lies within the tolerance of the calibration brief.
"""

from __future__ import annotations

import pandas as pd
import pytest

from accesssim.calibration import TARGETS, calibration_table

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def table(repo_root) -> pd.DataFrame:
    return calibration_table(
        repo_root / "scenarios" / "france-baseline.yaml",
        repo_root / "scenarios" / "lyon-metropole.yaml",
        replications=10,
        seed=0,
        executor="processes",
        workers=2,
    )


@pytest.mark.parametrize("key", [t.key for t in TARGETS])
def test_target(table: pd.DataFrame, key: str) -> None:
    row = table.set_index("target").loc[key]
    assert row["n"] == 10
    assert row["low"] <= row["mean"] <= row["high"], (
        f"{row['label']}: simulated {row['mean']:.4g} (95 % CI {row['ci_low']:.4g} to "
        f"{row['ci_high']:.4g}) outside {row['low']:.4g}-{row['high']:.4g} "
        f"(published: {row['published']}; {row['source']})"
    )
