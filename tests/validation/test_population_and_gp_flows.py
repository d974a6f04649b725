"""Validation of the population and GP dynamics.

* A deterministic pathway whose totals are known: with no deaths, no births and no moves, the
  population is closed and only ages, so the people aged 75+ after k years are exactly those
  aged 75 - k or more on day 0 (a closed-form count from the day-0 ages), and their expected
  number is N x (share 75+ + share 60-74 x the within-band weight of ages 75 - k .. 74).
* The France baseline's GPs follow the published balance of installations and cessations
  (CNAM 2022: 2,357 installations and 2,327 cessations among 52,149 liberal GPs, 70 % of the
  cessations retirements).
* The population's first-year flows are those of the INSEE figures the defaults come from.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

from accesssim import load_scenario
from accesssim.model import demography as D
from accesssim.model import simulate
from accesssim.model.calendar import build_calendar
from accesssim.model.params import compile_scenario
from accesssim.model.population import build_population
from accesssim.model.supply import LEAVE_RETIRE, build_supply
from accesssim.rng import Streams
from accesssim.scenario import Scenario

CLOSED = {
    "population": {
        "size": 20000,
        "death_probability_by_age": {0: 0.0},
        "fertility_by_age": {16: 0.0},
        "out_migration_by_age": {0: 0.0},
        "in_migration_per_year": 0.0,
    },
    "calendar": {"warmup_days": 0, "horizon_years": 3},
    "gps": {"count": 14},
}


def test_closed_population_ages_to_a_known_count() -> None:
    scenario = Scenario.model_validate(CLOSED)
    result = simulate(scenario, seed=3)
    params = compile_scenario(scenario)
    pop = build_population(params, Streams(3, 0))
    assert pop.n == pop.n0 == 20000  # nobody arrives
    age0 = pop.lives.age0.astype(np.int64)
    w = D.within_band_weights(params.population.age_bounds, params.population.death_q)[2]
    s60, s75 = params.population.age_shares[2], params.population.age_shares[3]
    for k in (1, 2):  # year marks at days 365 and 730: everyone has had exactly k birthdays
        year = result.by_year[k - 1]
        assert year["population_end"] == 20000
        closed_form = int((age0 >= 75 - k).sum())
        simulated = year["aged_75_plus_share_end"] * year["population_end"]
        assert round(simulated) == closed_form
        # Its expectation: the 75+ of day 0 and the top k ages of the 60-74 band.
        p = s75 + s60 * float(w[-k:].sum())
        sd = math.sqrt(20000 * p * (1 - p))
        assert abs(closed_form - 20000 * p) < 4 * sd
    # Nobody dies, moves or is born; demand stays that of the people of day 0.
    assert result.metrics["deaths_per_1000"] == 0
    assert result.metrics["births_per_1000"] == 0
    assert result.metrics["moves_in_per_1000"] == result.metrics["moves_out_per_1000"] == 0


@pytest.fixture(scope="module")
def france_10m():
    return load_scenario(
        "scenarios/france-baseline.yaml",
        ["population.size=10000000", "calendar.horizon_years=1", "calendar.warmup_days=0"],
    )


def test_france_gps_follow_the_published_balance(france_10m: Scenario) -> None:
    """First-year GP flows of the France baseline at 10 M inhabitants (7,800 GPs), pooled over
    5 replications (about 1,700 installations and as many cessations).

    Tolerance: 10 % of each published rate. Chance alone (Poisson counts of about 1,700)
    gives a relative sd of 2.4 %, 7.2 % at 3 sd; the baseline's density (78 per 100,000)
    differs from the 2022 one (52,149 GPs for 68.3 million, 76.3) by 2.2 %. The retirement
    share gets 5 points (binomial sd 1.1 points). The net balance (+0.06 % a year published)
    gets 3 sd of the difference of the two Poisson counts.
    """
    params = compile_scenario(france_10m)
    cal = build_calendar(params.calendar, params.booking_pad_days)
    inst = ceas = retire = gps0 = 0
    for rep in range(5):
        sup = build_supply(params, cal, Streams(0, rep))
        there = sup.start_day == 0
        gps0 += int(there.sum())
        inst += int(((sup.start_day > 0) & (sup.start_day < 365)).sum())
        stop = (sup.leave_day < 365) & (sup.leave_day > sup.start_day)
        ceas += int(stop.sum())
        retire += int((stop & (sup.leave_kind == LEAVE_RETIRE)).sum())
    inst_rate, ceas_rate = inst / gps0, ceas / gps0
    assert inst_rate == pytest.approx(2357 / 52149, rel=0.10)
    assert ceas_rate == pytest.approx(2327 / 52149, rel=0.10)
    assert retire / ceas == pytest.approx(0.70, abs=0.05)
    net_sd = math.sqrt(inst + ceas) / gps0
    assert abs((inst - ceas) / gps0 - (2357 - 2327) / 52149) < 3 * net_sd
    # 34 % of the GPs are aged 60+ on day 0 (CNAM 2021).
    assert float((sup.age0[sup.start_day == 0] >= 60).mean()) == pytest.approx(0.34, abs=0.02)


def test_france_population_flows_follow_insee(france_10m: Scenario) -> None:
    """First-year births, deaths and growth of the France baseline's population (10 M).

    INSEE bilan démographique 2024: 663,000 births (9.7 per 1,000) and 646,000 deaths (9.4 per
    1,000) for 68.4 million; the central projection grows by about 0.12 % a year. The
    baseline's age bands (rounded French shares, ages within a band following the survivors of
    the life table) are older than France's (75+: 11 % against 10.4 %; 60-74: 19 % against
    about 17.5 %; more of the 75+ aged 85 or more), which alone adds about 15 % to the crude
    death rate, so deaths get 25 %, births 15 % and growth 0.15 points.
    """
    params = compile_scenario(france_10m)
    pop = build_population(params, Streams(0, 0))
    lv = pop.lives
    lives = lv.entry < lv.exit
    first = lives & (lv.entry < 365)
    births = int((first & (lv.arrival == D.BORN)).sum())
    deaths = int((lives & (lv.exit < 365) & (lv.exit_kind == D.DEATH)).sum())
    n0 = pop.n0
    assert births / n0 * 1000 == pytest.approx(9.7, rel=0.15)
    assert deaths / n0 * 1000 == pytest.approx(9.4, rel=0.25)
    at_365 = int((lives & (lv.entry <= 365) & (lv.exit > 365)).sum())
    assert (at_365 - n0) / n0 == pytest.approx(0.0012, abs=0.0015)
