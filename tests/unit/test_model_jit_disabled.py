"""The booking kernel gives the same results compiled (numba) and as plain Python.

DESIGN.md: the kernel "may be compiled with numba; its source stays plain Python that runs
with the JIT disabled". A tiny scenario that goes through most branches of the kernel (MT,
colleagues, other GPs, reserved slots and the shared rota, teleconsultation, pharmacists,
nurses, home visits, enrolment) is run in a subprocess with ``NUMBA_DISABLE_JIT=1``, which
prints its metrics and outcome counts as JSON, and in this process with the JIT; both must
be identical (bit for bit: same integer arithmetic, same floating-point operations in the
same order).
"""

from __future__ import annotations

import json
import math
import os
import subprocess
import sys

import numpy as np

from accesssim.model import simulate
from accesssim.scenario import Scenario

AGES = ("age_0_15", "age_16_59", "age_60_74", "age_75_plus")
SCENARIO = {
    "name": "tiny",
    "calendar": {"horizon_days": 40, "warmup_days": 10, "start_date": "2025-01-06"},
    "population": {"size": 500},
    "demand": {
        "contacts_per_year": {"non_ald": dict.fromkeys(AGES, 7.0), "ald": dict.fromkeys(AGES, 9.0)},
        "sore_throat_share": 0.3,
        "unscheduled_tries_other_gps": False,
    },
    "gps": {
        "count": 2,
        "practice_mix": {"solo": 0, "group": 1, "msp": 0, "centre": 0, "group_size": 2},
        "roster": [{"id": "solo", "accepts_new_patients": True}],
        "slots_per_session": 4,
    },
    "policies": {
        "unscheduled_slots": {"reserved_share": 0.25, "shared_rota": True},
        "teleconsultation": {"platform_daily_capacity": 2, "gp_daily_capacity": 1},
        "pharmacists": {"handled_share": 1.0},
        "nurses": {"fte": 0.5, "gps_per_fte": 4, "ald_followup_share": 0.5},
        "mt_access": {"monthly_capacity": 20},
    },
}

CHILD = """
import json, sys
from accesssim.model import simulate
from accesssim.scenario import Scenario
scenario = Scenario.model_validate_json(sys.stdin.read())
result = simulate(scenario, seed=7, replication=1)
json.dump(
    {
        "metrics": result.metrics,
        "outcomes_all": result.outcomes_all.tolist(),
        "wait_histogram": result.wait_histogram.tolist(),
        "counters": result.diagnostics["counters"],
    },
    sys.stdout,
)
"""


def _same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_plain_python_kernel_matches_compiled() -> None:
    scenario = Scenario.model_validate(SCENARIO)
    env = {**os.environ, "NUMBA_DISABLE_JIT": "1"}
    proc = subprocess.run(
        [sys.executable, "-c", CHILD],
        input=scenario.model_dump_json(),
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    plain = json.loads(proc.stdout)

    compiled = simulate(scenario, seed=7, replication=1)
    assert compiled.requests_generated.sum() > 100
    # The scenario exercises the branches it was built for.
    out = compiled.outcomes_all
    counters = compiled.diagnostics["counters"]
    assert out[:, 0].sum() > 0  # own MT
    assert out[:, 1].sum() > 0  # another GP
    assert counters["C_TELE_PLATFORM"] + counters["C_TELE_GP"] > 0
    assert counters["C_ROTA"] > 0
    assert counters["C_OWN_RESERVED"] > 0
    assert counters["C_ENROL"] > 0
    assert counters["C_HOME"] > 0
    assert out[:, 3].sum() > 0  # pharmacist
    assert out[:, 4].sum() > 0  # nurse
    assert out[:, 5].sum() > 0  # emergency department

    assert plain["metrics"].keys() == compiled.metrics.keys()
    different = {
        name: (plain["metrics"][name], value)
        for name, value in compiled.metrics.items()
        if not _same(plain["metrics"][name], value)
    }
    assert not different
    np.testing.assert_array_equal(np.array(plain["outcomes_all"]), compiled.outcomes_all)
    np.testing.assert_array_equal(np.array(plain["wait_histogram"]), compiled.wait_histogram)
    assert plain["counters"] == counters
