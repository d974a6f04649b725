"""Invariants of the population and GP dynamics over several years (hypothesis draws the
scenario and the seed):

* everyone ages exactly one year per 365 days, and the ages the run keeps are those of the
  life events drawn in advance;
* the people of each age band change only by ageing, births, deaths and moves: every year's
  counts follow from the life events, and the running counts agree with a recount;
* nobody is on the list of a GP who no longer practises, and every list holds exactly the
  adults present who declared that GP;
* no list exceeds its GP's capacity (in scenarios whose capacities never shrink);
* the demand comes only from people present: no request before a person arrives or after
  they leave.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from accesssim.model import demography as D
from accesssim.model.engine import build_run, run_processes
from accesssim.model.params import compile_scenario
from accesssim.model.population import band_bounds, build_population
from accesssim.rng import Streams
from accesssim.scenario import Scenario
from accesssim.testing import valid_scenario_dicts

SEEDS = st.integers(0, 2**32 - 1)
DICTS = valid_scenario_dicts(max_population=2000, max_gps=6, max_horizon_days=900)


def _ages(pop: Any, day: Any) -> np.ndarray:
    lv = pop.lives
    nb = np.where(day >= lv.bday, (day - lv.bday) // D.YEAR + 1, 0)
    return lv.age0.astype(np.int64) + nb


def _present(pop: Any, day: int) -> np.ndarray:
    lv = pop.lives
    return (lv.entry <= day) & (day < lv.exit)


@settings(max_examples=15, deadline=None)
@given(data=DICTS, seed=SEEDS, day=st.integers(0, 3000))
def test_everyone_ages_one_year_per_year(data: dict[str, Any], seed: int, day: int) -> None:
    params = compile_scenario(Scenario.model_validate(data))
    pop = build_population(params, Streams(seed, 0), horizon=4000)
    both = _present(pop, day) & _present(pop, day + D.YEAR)
    assert (_ages(pop, day + D.YEAR)[both] - _ages(pop, day)[both] == 1).all()
    # Between two birthdays the age does not change; on the birthday it goes up by one.
    lv = pop.lives
    d = lv.bday.astype(np.int64) + D.YEAR * (day // D.YEAR)
    on = _present(pop, 0)
    np.testing.assert_array_equal((_ages(pop, 0) - lv.age0)[on], 0)
    np.testing.assert_array_equal(
        _ages(pop, d)[on] - _ages(pop, np.maximum(d - 1, 0))[on], (d[on] > 0).astype(int)
    )


def _strip_shrinking(data: dict[str, Any]) -> dict[str, Any]:
    """Scenario data whose list capacities never shrink (policies that raise them run to the
    horizon)."""
    out = copy.deepcopy(data)
    for name in ("medical_assistants", "nurses"):
        block = (out.get("policies") or {}).get(name)
        if isinstance(block, dict):
            block.pop("end", None)
    return out


@settings(max_examples=20, deadline=None)
@given(data=DICTS, seed=SEEDS)
def test_bands_lists_and_capacity_over_the_run(data: dict[str, Any], seed: int) -> None:
    scenario = Scenario.model_validate(_strip_shrinking(data))
    run = build_run(scenario, seed, 0)
    run.log = []
    run_processes(run)
    pop, gps, cal = run.pop, run.gps, run.cal
    horizon = cal.horizon_days
    bounds = band_bounds(run.params)
    # The ages kept by the run are those of the life events (last day processed).
    here = _present(pop, horizon - 1)
    np.testing.assert_array_equal(pop.present == 1, here)
    np.testing.assert_array_equal(pop.age[here], np.maximum(_ages(pop, horizon - 1)[here], 0))
    # Band counts at each year mark: a recount from the life events, and the year's change is
    # arrivals - departures + ageing into the band - ageing out of it.
    for before, after in zip(run.year_marks[:-1], run.year_marks[1:], strict=False):
        d0, d1 = before["day"], after["day"]
        for mark, d in ((before, d0), (after, d1)):
            if d >= horizon:
                d = horizon - 1
            band = np.searchsorted(bounds, np.maximum(_ages(pop, d), 0), side="right")
            counts = np.bincount(band[_present(pop, d)], minlength=4)
            np.testing.assert_array_equal(mark["census"][D.C_BAND0 : D.C_BAND0 + 4], counts)
    # Lists: exactly the adults present who declared a practising GP; none for a GP gone.
    active = gps.active.astype(bool)
    adults = (pop.present == 1) & (pop.age >= 16)
    mt = pop.mt
    assert (mt[pop.present == 0] < 0).all()
    assert (mt < gps.list_size.size).all()
    declared = mt >= 0
    assert active[mt[declared]].all()
    listed = np.bincount(mt[adults & (mt >= 0)], minlength=gps.list_size.size)
    np.testing.assert_array_equal(gps.list_size[active], listed[active])
    assert (gps.list_size[~active] == 0).all()
    assert (gps.list_size[active] <= gps.cap_eff[active]).all()
    # Requests only from people present on the day they ask.
    log = run.log
    if log:
        person = np.concatenate([part["person"] for part in log])
        day = np.floor(np.concatenate([part["t"] for part in log])).astype(np.int64)
        lv = pop.lives
        assert (lv.entry[person] <= day).all()
        assert (day < lv.exit[person]).all()


def test_age_on_and_band_of() -> None:
    bounds = np.array([16, 60, 75])
    assert [D.band_of(a, bounds) for a in (15, 16, 59, 60, 74, 75, 104)] == [0, 1, 1, 2, 2, 3, 3]
    # Born on day 500 (birthday 135, so two birthdays by day 500): 0 then, 1 on day 865.
    age0, bday = -2, 135
    assert D.age_on(age0, bday, 500) == 0
    assert D.age_on(age0, bday, 864) == 0
    assert D.age_on(age0, bday, 865) == 1
