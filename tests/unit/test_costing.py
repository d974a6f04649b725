"""Costing of acts and policies, by perspective and year; ICERs and acceptability curves.

Fees and rates are the schema defaults and their sources (scenario/costs.py): G EUR 30 from
22 December 2024 (EUR 26.50 before), under-6 supplement EUR 5, home visit supplement EUR 10,
PDSA supplements EUR 26.50 (weekend and holidays), EUR 42.50 (night) and EUR 51.50
(00:00-06:00), the same for acts of the out-of-hours service, teleconsultation
EUR 25, SAS supplement EUR 15, ED visit EUR 161.50 to the AMO (Cour des comptes 2014) and a
patient flat fee of EUR 19.61 (EUR 8.49 with an ALD); AMO 70 % in the pathway, 30 % outside,
100 % ALD, minus EUR 2 on GP acts of adults; discounting 2.5 % a year (HAS 2020).
"""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from accesssim.analysis import acceptability, fieller_ratio, mean_ci
from accesssim.experiment.compare import dominance, gains_of
from accesssim.model.costing import (
    act_cost_lines,
    cost_summary,
    cost_table,
    discount_factors,
    line,
    out_of_hours,
    year_of_day,
)
from accesssim.model.params import compile_scenario
from accesssim.scenario import Scenario
from accesssim.vocabulary import N_DAY_PARTS, Act, PayClass

DAYS = 14


def _params(**over):
    sc = Scenario.model_validate(
        {"population": {"size": 1000}, "calendar": {"start_date": "2025-01-06"}, **over}
    )
    return compile_scenario(sc).costs


def _cal():
    # 2025-01-06 is a Monday; day 5 a Saturday, day 6 a Sunday; day 8 a closed day.
    weekday = (np.arange(DAYS) % 7).astype(np.int8)
    closed = np.zeros(DAYS, bool)
    closed[8] = True
    return SimpleNamespace(weekday=weekday, closed_day=closed)


def _one(day: int, part: int, act: Act, cls: int, n: int = 1) -> np.ndarray:
    acts = np.zeros((N_DAY_PARTS * DAYS, len(Act), len(PayClass)), np.int32)
    acts[N_DAY_PARTS * day + part, act, cls] = n
    return acts


def _euros(acts: np.ndarray, cp) -> dict[tuple[str, str], float]:
    return {(ln.item, ln.payer): float(ln.per_day.sum()) for ln in act_cost_lines(acts, _cal(), cp)}


@pytest.mark.parametrize(
    ("day", "part", "act", "cls", "amo", "patient"),
    [
        (0, 0, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 30 - 2, 0.3 * 30 + 2),
        (0, 0, Act.OFFICE, PayClass.ADULT_OUTSIDE, 0.3 * 30 - 2, 0.7 * 30 + 2),
        (0, 0, Act.OFFICE, PayClass.ADULT_URGENT, 0.7 * 30 - 2, 0.3 * 30 + 2),
        (0, 0, Act.OFFICE, PayClass.ALD_ADULT_PATHWAY, 30 - 2, 2),
        (0, 0, Act.OFFICE, PayClass.INFANT, 0.7 * 35, 0.3 * 35),
        (0, 0, Act.OFFICE, PayClass.ALD_CHILD, 30, 0),
        (0, 0, Act.HOME, PayClass.ADULT_PATHWAY, 0.7 * 40 - 2, 0.3 * 40 + 2),
        (6, 0, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 56.5 - 2, 0.3 * 56.5 + 2),  # Sunday
        (5, 1, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 56.5 - 2, 0.3 * 56.5 + 2),  # Sat pm
        (5, 0, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 30 - 2, 0.3 * 30 + 2),  # Sat am
        (8, 1, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 56.5 - 2, 0.3 * 56.5 + 2),  # holiday
        (1, 2, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 72.5 - 2, 0.3 * 72.5 + 2),  # night
        (1, 3, Act.OFFICE, PayClass.ADULT_PATHWAY, 0.7 * 81.5 - 2, 0.3 * 81.5 + 2),  # deep night
        (1, 2, Act.OUT_OF_HOURS, PayClass.ADULT_URGENT, 0.7 * 72.5 - 2, 0.3 * 72.5 + 2),  # PDSA
        (1, 3, Act.OUT_OF_HOURS, PayClass.ADULT_URGENT, 0.7 * 81.5 - 2, 0.3 * 81.5 + 2),
        (6, 0, Act.OUT_OF_HOURS, PayClass.ALD_ADULT_URGENT, 56.5 - 2, 2),  # Sunday, ALD
        (5, 1, Act.OUT_OF_HOURS, PayClass.INFANT, 0.7 * 61.5, 0.3 * 61.5),  # Sat pm, under 6
        (0, 1, Act.TELE_PLATFORM, PayClass.ADULT_OUTSIDE, 0.3 * 25 - 2, 0.7 * 25 + 2),
        (6, 1, Act.TELE_GP, PayClass.ADULT_URGENT, 0.7 * 25 - 2, 0.3 * 25 + 2),  # no PDSA
        (0, 1, Act.SAS, PayClass.ADULT_URGENT, 0.7 * 15, 0.3 * 15),
        (6, 1, Act.SAS, PayClass.ADULT_URGENT, 0.0, 0.0),  # no SNP supplement out of hours
        (0, 1, Act.ED, PayClass.ADULT_URGENT, 161.5, 19.61),
        (0, 1, Act.ED, PayClass.ALD_ADULT_URGENT, 161.5, 8.49),
        (0, 1, Act.PHARMACIST, PayClass.ADULT_URGENT, 0.7 * 15, 0.3 * 15),
    ],
)
def test_fee_and_shares_of_one_act(day, part, act, cls, amo, patient) -> None:
    euros = _euros(_one(day, part, act, cls), _params())
    name = {
        Act.OFFICE: "office_consultation",
        Act.HOME: "home_visit",
        Act.TELE_GP: "teleconsultation_gp",
        Act.TELE_PLATFORM: "teleconsultation_platform",
        Act.SAS: "sas_supplement",
        Act.ED: "ed_visit",
        Act.PHARMACIST: "pharmacist_act",
        Act.OUT_OF_HOURS: "out_of_hours_act",
    }[act]
    assert euros[(name, "amo")] == pytest.approx(amo)
    assert euros[(name, "patient")] == pytest.approx(patient)
    others = sum(v for (item, _), v in euros.items() if item != name)
    assert others == 0.0


def test_the_g_fee_follows_its_date_and_the_urgent_exception_is_a_parameter() -> None:
    before = _params(calendar={"start_date": "2024-12-16"})  # day 6 = 22 December 2024
    euros = _euros(_one(2, 0, Act.OFFICE, PayClass.ADULT_PATHWAY), before)
    assert euros[("office_consultation", "amo")] == pytest.approx(0.7 * 26.5 - 2)
    euros = _euros(_one(7, 0, Act.OFFICE, PayClass.ADULT_PATHWAY), before)
    assert euros[("office_consultation", "amo")] == pytest.approx(0.7 * 30 - 2)
    strict = _params(costs={"reimbursement": {"urgent_care_in_pathway": False}})
    euros = _euros(_one(0, 0, Act.OFFICE, PayClass.ADULT_URGENT), strict)
    assert euros[("office_consultation", "amo")] == pytest.approx(0.3 * 30 - 2)


def test_out_of_hours_periods_are_those_of_the_pdsa() -> None:
    kind = out_of_hours(_cal(), DAYS)
    assert kind[0].tolist() == [0, 0, 2, 3]  # Monday: nights only
    assert kind[5].tolist() == [0, 1, 2, 3]  # Saturday: from noon
    assert kind[6].tolist() == [1, 1, 2, 3]  # Sunday
    assert kind[8].tolist() == [1, 1, 2, 3]  # a public holiday (closed day)


def test_years_and_discounting() -> None:
    assert year_of_day(2, 10).tolist() == [0, 0, 1, 1, 1, 1, 1, 1, 1, 1]
    np.testing.assert_allclose(discount_factors(3, 0.025), [1.0, 1 / 1.025, 1 / 1.025**2])
    warmup, horizon = 10, 10 + 365 * 2 + 100
    rows = cost_table([line("x", "amo", np.ones(horizon))], warmup, horizon, 0.025)
    assert rows["year"] == [1, 2, 3]
    assert rows["eur"] == [365.0, 365.0, 100.0]  # the warm-up is not counted
    np.testing.assert_allclose(rows["eur_discounted"], [365, 365 / 1.025, 100 / 1.025**2])


def test_gains_discount_each_year_of_effects_like_costs() -> None:
    # Two years: year 2's ED visits and needs met within 48 h count 1 / 1.025 of year 1's
    # (HAS 2020: 2.5 %); adults without an MT are a state at the horizon, not discounted.
    factor = discount_factors(2, 0.025)
    yearly: dict[str, list] = {"year": [], "measure": [], "value": []}
    for year, ed, met in ((1, 1000.0, 5000.0), (2, 800.0, 6000.0)):
        for measure, value in (
            ("discount_factor", factor[year - 1]),
            ("ed_visits", ed),
            ("unscheduled_met_48h", met),
            ("adults_without_mt_end", 4000.0 + year),
        ):
            yearly["year"].append(year)
            yearly["measure"].append(measure)
            yearly["value"].append(value)
    metrics = {"patients_without_mt_end": 4002.0, "total_cost_eur": 9.5e6}
    gains = gains_of(SimpleNamespace(yearly=yearly, metrics=metrics))
    assert gains["ed_visits_avoided"] == pytest.approx(-(1000.0 + 800.0 / 1.025))
    assert gains["unscheduled_met_48h"] == pytest.approx(5000.0 + 6000.0 / 1.025)
    assert gains["patients_with_mt"] == -4002.0
    assert gains["cost"] == 9.5e6


def test_perspectives_add_up_their_payers() -> None:
    n = 365
    lines = [
        line("office_consultation", "amo", np.full(n, 10.0)),
        line("office_consultation", "patient", np.full(n, 3.0)),
        line("unscheduled_slots", "amo", np.full(n, 1.0)),
        line("installations", "local", np.full(n, 2.0)),
        line("medical_assistants_gp_net_cost", "gp", np.full(n, 5.0)),
    ]
    table = cost_table(lines, 0, n, 0.025)
    amo, public, patient = (cost_summary(table, p) for p in ("amo", "public", "patient"))
    assert (amo["care"], amo["policy"], amo["total"]) == pytest.approx((3650, 365, 4015))
    assert public["policy"] == pytest.approx(365 * 3)
    assert (patient["care"], patient["policy"]) == pytest.approx((1095, 0))
    for s in (amo, public, patient):  # the GP's own cost: reported, never summed
        assert s["policies"]["medical_assistants_gp_net_cost"] == pytest.approx(1825)
    assert amo["policies"]["total"] == pytest.approx(365)


def test_fieller_interval_with_an_exact_effect_is_the_cost_interval_scaled() -> None:
    rng = np.random.default_rng(1)
    cost = rng.normal(1000, 200, 20)
    effect = np.full(20, 4.0)
    r = fieller_ratio(cost, effect)
    est = mean_ci(cost)
    assert r.bounded
    assert (r.value, r.low, r.high) == pytest.approx((est.mean / 4, est.low / 4, est.high / 4))


def test_fieller_interval_is_unbounded_when_the_effect_could_be_zero() -> None:
    rng = np.random.default_rng(2)
    r = fieller_ratio(rng.normal(100, 10, 20), rng.normal(0.0, 1.0, 20))
    assert not r.bounded
    assert np.isnan(r.low)
    assert np.isnan(r.high)


@given(
    st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=30),
    st.floats(0.5, 50),
    st.integers(0, 2**32 - 1),
)
def test_fieller_interval_holds_the_ratio_and_the_curve_has_its_limits(costs, effect, seed) -> None:
    """The ICER lies in its bounded interval; the acceptability curve is a probability that
    starts at that of saving money (no price for the gain) and tends to that of gaining (any
    price): it need not be monotone (Fenwick, Claxton & Sculpher 2001)."""
    from scipy import stats

    rng = np.random.default_rng(seed)
    c = np.asarray(costs)
    e = effect + rng.normal(0, effect / 10, c.size)
    r = fieller_ratio(c, e)
    if r.bounded:
        slack = 1e-6 * (1 + abs(r.value))
        assert r.low - slack <= r.value <= r.high + slack
    prob = acceptability(c, e, [0.0, 1e12])
    assert ((prob >= 0) & (prob <= 1)).all()
    n = c.size

    def p_above(x: np.ndarray) -> float:
        se = x.std(ddof=1) / np.sqrt(n)
        if se == 0:
            return 1.0 if x.mean() > 0 else (0.0 if x.mean() < 0 else 0.5)
        return float(stats.t.cdf(x.mean() / se, n - 1))

    assert prob[0] == pytest.approx(p_above(-c), abs=1e-9)
    assert prob[1] == pytest.approx(p_above(e), abs=1e-3)


def test_acceptability_crosses_one_half_near_the_icer() -> None:
    rng = np.random.default_rng(3)
    cost = 500 * 10 + rng.normal(0, 300, 40)
    effect = 10 + rng.normal(0, 0.5, 40)
    icer = fieller_ratio(cost, effect).value
    prob = acceptability(cost, effect, [0.0, icer, 10 * icer])
    assert prob[0] < 0.01
    assert prob[2] > 0.99
    assert prob[1] == pytest.approx(0.5, abs=0.05)


@pytest.mark.parametrize(
    ("cost", "effect", "case"),
    [
        ((-5, -6, -4), (3, 2, 4), "dominant"),
        ((5, 4, 6), (-3, -4, -2), "dominated"),
        ((5, 4, 6), (3, 2, 4), "dearer_better"),
        ((-5, -6, -4), (-3, -4, -2), "cheaper_worse"),
        ((0, -1, 1), (3, 2, 4), "better"),
        ((0, -1, 1), (-3, -4, -2), "worse"),
        ((5, 4, 6), (0, -1, 1), "no_clear_effect"),
    ],
)
def test_dominance_in_words(cost, effect, case) -> None:
    def est(t):
        return SimpleNamespace(mean=t[0], low=t[1], high=t[2])

    assert dominance(est(cost), est(effect)) == case


@pytest.mark.parametrize(
    ("extra_cost", "effect", "case", "words"),
    [
        (-1200.0, 100.0, "dominant", "saves €12 per unit"),
        (1200.0, 100.0, "dearer_better", "€12"),
        (1200.0, -100.0, "dominated", "€12 more per unit lost"),
        (-1200.0, -100.0, "cheaper_worse", "saves €12 per unit lost"),
    ],
)
def test_the_icer_is_read_with_the_sign_of_the_effect(extra_cost, effect, case, words) -> None:
    # A negative ICER is a saving only when the alternative is better (docs/policies.md, cost
    # per unit of gain); a dominated alternative costs more for each unit it loses.
    import pandas as pd

    from accesssim.i18n import using
    from accesssim.report.tables import icer_rows

    row = {
        "alternative": "alt",
        "gain": "ed_visits_avoided",
        "description": "ED visit avoided",
        "extra_cost_eur": extra_cost,
        "cost_low": extra_cost - 10.0,
        "cost_high": extra_cost + 10.0,
        "gain_mean": effect,
        "gain_low": effect - 1.0,
        "gain_high": effect + 1.0,
        "icer": extra_cost / effect,
        "icer_low": float("nan"),
        "icer_high": float("nan"),
        "icer_bounded": False,
        "dominance": case,
    }
    with using("en"):
        (icer,) = icer_rows(pd.DataFrame([row]))
    assert icer.icer == words
