"""Costs of a run: every act the kernel counted, priced and split between payers, and every policy's
own costs, day by day, then by year of the horizon, discounted.

The kernel files each act a need ends in (GP consultation or home visit, act of the out-of-hours
service, teleconsultation, pharmacist or nurse act, ED visit after a search or direct, and the SAS
supplement of an act the SAS regulation booked; a need asked again or carried to a later day is
priced once, by the act that finally happens) in ``Tallies.acts[N_DAY_PARTS * day + part, act,
class]``: the day and part of the day it takes place, and the patient class of the reimbursement
rules (:class:`~accesssim.vocabulary.PayClass`). Here each cell gets its fee (the G act of its date,
the under-6 and home-visit supplements, the out-of-hours supplements of its day and part) and is
split between the health insurance (AMO) and the patient (the rest of the fee, the flat
participation, the ED flat fee). Policies add their own lines
(:meth:`~accesssim.model.policies.Policy.cost`).

A cost line is euros per simulated day for one (item, payer). Lines are summed by **year of the
measurement window**: year 1 covers days ``warmup`` to ``warmup + 364``, year 2 the next 365
days, and so on (the last year may be short); warm-up days belong to no year and are not
counted. Year ``y`` is discounted by ``(1 + rate) ** -(y - 1)`` (HAS 2020: 2.5 %). The table
(year, item, payer, eur, eur_discounted) is tidy and keyed by that year, as are the effects by
year (:func:`yearly_effects`).

Plain numpy: no pandas, no I/O.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from accesssim.vocabulary import (
    ACT_NAMES,
    ALD_OFFSET,
    N_DAY_PARTS,
    PERSPECTIVES,
    Act,
    Daily,
    PayClass,
)

if TYPE_CHECKING:  # pragma: no cover
    from accesssim.model.calendar import SessionCalendar
    from accesssim.model.engine import Run

__all__ = [
    "CostLine",
    "CostParams",
    "act_cost_lines",
    "cost_summary",
    "cost_table",
    "discount_factors",
    "line",
    "out_of_hours",
    "recurring",
    "year_of_day",
    "yearly_effects",
]

GP_ACTS = (Act.OFFICE, Act.HOME, Act.TELE_GP, Act.TELE_PLATFORM, Act.OUT_OF_HOURS)
"""Acts of a GP: the pathway rules and the flat participation apply."""


@dataclass(frozen=True)
class CostParams:
    """The ``costs:`` block and the policies' act fees, in model units (day numbers, euros)."""

    perspective: str
    discount_rate: float
    g_fee: float
    g_fee_before: float
    g_from_day: int  # first day of g_fee
    under_6_eur: float
    home_visit_eur: float
    ooh_weekend_eur: float
    ooh_night_eur: float
    ooh_deep_night_eur: float
    ooh_tele_eur: float
    sas_eur: float
    ed_visit_eur: float
    ed_patient_fee_eur: float
    ed_patient_fee_reduced_eur: float
    pathway_rate: float
    outside_rate: float
    urgent_in_pathway: bool
    ald_rate: float
    nurse_rate: float
    pharmacist_rate: float
    participation_eur: float
    tele_fee: float
    pharmacist_fee: float
    nurse_fee: float

    @property
    def payers(self) -> tuple[str, ...]:
        """The payers the perspective adds up."""
        return PERSPECTIVES[self.perspective]


@dataclass(frozen=True)
class CostLine:
    """Euros per simulated day (``per_day``, length = the horizon) of one item for one payer."""

    item: str
    payer: str
    per_day: np.ndarray


def line(item: str, payer: str, per_day: np.ndarray) -> CostLine:
    """A cost line (``per_day`` as float64)."""
    return CostLine(item, payer, np.asarray(per_day, dtype=np.float64))


def recurring(n_days: int, start: int, eur_per_year: float, end: int | None = None) -> np.ndarray:
    """``eur_per_year`` spread over the days from ``start`` to ``end`` (excluded)."""
    out = np.zeros(n_days)
    out[max(start, 0) : n_days if end is None else min(end, n_days)] = eur_per_year / 365.0
    return out


def year_of_day(warmup: int, horizon: int) -> np.ndarray:
    """Year of the measurement window of each day (int [horizon]): 0 in the warm-up, then 1, 2,
    ... every 365 days from the end of the warm-up."""
    days = np.arange(horizon)
    return np.where(days >= warmup, (days - warmup) // 365 + 1, 0)


def n_years(warmup: int, horizon: int) -> int:
    """Years (the last one possibly short) of the measurement window."""
    return max(-(-(horizon - warmup) // 365), 0)


def discount_factors(years: int, rate: float) -> np.ndarray:
    """Discount factor of years 1..``years``: ``(1 + rate) ** -(year - 1)``."""
    return (1.0 + rate) ** -np.arange(years, dtype=np.float64)


def out_of_hours(cal: SessionCalendar, n_days: int) -> np.ndarray:
    """Out-of-hours kind of each (day, part) (int8 [n_days, N_DAY_PARTS]): 0 in hours, 1
    Saturday afternoon, Sunday or public holiday, 2 night (20:00-24:00 and 06:00-08:00), 3 deep
    night (00:00-06:00) (PDSA periods, vocabulary.DAY_PARTS)."""
    wd = cal.weekday[:n_days]
    closed = cal.closed_day[:n_days]
    kind = np.zeros((n_days, N_DAY_PARTS), dtype=np.int8)
    weekend = (wd == 6) | closed
    kind[weekend, 0] = 1
    kind[weekend | (wd == 5), 1] = 1
    kind[:, 2] = 2
    kind[:, 3] = 3
    return kind


def _rates(cp: CostParams) -> np.ndarray:
    """Share the AMO pays of a GP act, per patient class."""
    urgent = cp.pathway_rate if cp.urgent_in_pathway else cp.outside_rate
    r = np.empty(len(PayClass))
    r[PayClass.ADULT_PATHWAY] = cp.pathway_rate
    r[PayClass.ADULT_URGENT] = urgent
    r[PayClass.ADULT_OUTSIDE] = cp.outside_rate
    r[PayClass.CHILD] = cp.pathway_rate
    r[PayClass.INFANT] = cp.pathway_rate
    r[PayClass.ALD_ADULT_PATHWAY] = cp.ald_rate
    r[PayClass.ALD_ADULT_URGENT] = cp.ald_rate if cp.urgent_in_pathway else cp.outside_rate
    r[PayClass.ALD_ADULT_OUTSIDE] = cp.outside_rate
    r[PayClass.ALD_CHILD] = cp.ald_rate
    r[PayClass.ALD_INFANT] = cp.ald_rate
    return r


def _adult() -> np.ndarray:
    cls = np.arange(len(PayClass)) % ALD_OFFSET
    return cls <= PayClass.ADULT_OUTSIDE


def _infant() -> np.ndarray:
    return np.arange(len(PayClass)) % ALD_OFFSET == PayClass.INFANT


def _ald() -> np.ndarray:
    return np.arange(len(PayClass)) >= ALD_OFFSET


def act_cost_lines(acts: np.ndarray, cal: SessionCalendar, cp: CostParams) -> list[CostLine]:
    """AMO and patient lines of every act item, from the kernel's act tally.

    Fees per (day, part of day, patient class): GP acts at the G fee of their date (plus the
    under-6 supplement, the home-visit supplement, the out-of-hours supplement of their day and
    part), acts of the out-of-hours service (PDSA) likewise (a G act with the regulated
    supplement of its period), teleconsultations at their fee (plus its out-of-hours
    supplement), the SAS supplement outside out-of-hours periods, pharmacist and nurse acts at
    their fee, ED visits at their cost. The AMO pays ``rate x fee`` minus the flat participation
    for GP acts of patients aged 16+ (never below 0); the patient the rest. An ED visit: the AMO
    pays its cost, the patient the flat fee (reduced with an ALD).
    """
    n_days = acts.shape[0] // N_DAY_PARTS
    counts = acts.reshape(n_days, N_DAY_PARTS, len(Act), len(PayClass)).astype(np.float64)
    days = np.arange(n_days)
    g = np.where(days >= cp.g_from_day, cp.g_fee, cp.g_fee_before)[:, None]  # [days, 1]
    ooh = out_of_hours(cal, n_days)
    sup = np.choose(ooh, [0.0, cp.ooh_weekend_eur, cp.ooh_night_eur, cp.ooh_deep_night_eur])
    tele_sup = np.where(ooh > 0, cp.ooh_tele_eur, 0.0)
    infant = _infant() * cp.under_6_eur  # [class]
    adult = _adult()
    ald = _ald()
    rate = _rates(cp)
    part = np.where(adult, cp.participation_eur, 0.0)
    fees: dict[Act, np.ndarray] = {  # [days, parts, classes]
        Act.OFFICE: (g + sup)[:, :, None] + infant,
        Act.HOME: (g + sup + cp.home_visit_eur)[:, :, None] + infant,
        Act.OUT_OF_HOURS: (g + sup)[:, :, None] + infant,
        Act.TELE_GP: (cp.tele_fee + tele_sup)[:, :, None] + np.zeros(len(PayClass)),
        Act.TELE_PLATFORM: (cp.tele_fee + tele_sup)[:, :, None] + np.zeros(len(PayClass)),
        Act.SAS: np.where(ooh == 0, cp.sas_eur, 0.0)[:, :, None] + np.zeros(len(PayClass)),
        Act.PHARMACIST: np.full((n_days, N_DAY_PARTS, len(PayClass)), cp.pharmacist_fee),
        Act.NURSE: np.full((n_days, N_DAY_PARTS, len(PayClass)), cp.nurse_fee),
    }
    out: list[CostLine] = []
    for act, fee in fees.items():
        n = counts[:, :, act, :]
        if act in GP_ACTS:
            amo_unit = np.maximum(rate * fee - part, 0.0)
        elif act == Act.SAS:
            amo_unit = rate * fee
        elif act == Act.NURSE:
            amo_unit = np.where(ald, cp.ald_rate, cp.nurse_rate) * fee
        else:  # pharmacist
            amo_unit = np.where(ald, cp.ald_rate, cp.pharmacist_rate) * fee
        amo = (amo_unit * n).sum(axis=(1, 2))
        total = (fee * n).sum(axis=(1, 2))
        out.append(line(ACT_NAMES[act], "amo", amo))
        out.append(line(ACT_NAMES[act], "patient", total - amo))
    n_ed = counts[:, :, Act.ED, :]
    ed_fee = np.where(ald, cp.ed_patient_fee_reduced_eur, cp.ed_patient_fee_eur)
    patient = (n_ed * ed_fee).sum(axis=(1, 2))
    visits = n_ed.sum(axis=(1, 2))
    out.append(line(ACT_NAMES[Act.ED], "amo", visits * cp.ed_visit_eur))
    out.append(line(ACT_NAMES[Act.ED], "patient", patient))
    return out


def cost_table(lines: list[CostLine], warmup: int, horizon: int, rate: float) -> dict[str, list]:
    """The tidy cost table: one row per (year, item, payer) with euros and discounted euros.

    Rows whose euros are all 0 in every year are kept (a policy that is on shows a 0 line).
    """
    years = n_years(warmup, horizon)
    year = year_of_day(warmup, horizon)
    factor = discount_factors(years, rate)
    cols: dict[str, list] = {"year": [], "item": [], "payer": [], "eur": [], "eur_discounted": []}
    merged: dict[tuple[str, str], np.ndarray] = {}
    for ln in lines:
        key = (ln.item, ln.payer)
        per_day = ln.per_day[:horizon]
        if key in merged:
            merged[key] = merged[key] + per_day
        else:
            merged[key] = per_day.copy()
    for (item, payer), per_day in merged.items():
        by_year = np.bincount(year, weights=per_day, minlength=years + 1)[1:]
        for y in range(years):
            cols["year"].append(y + 1)
            cols["item"].append(item)
            cols["payer"].append(payer)
            cols["eur"].append(float(by_year[y]))
            cols["eur_discounted"].append(float(by_year[y] * factor[y]))
    return cols


def cost_summary(table: dict[str, list], perspective: str) -> dict[str, Any]:
    """Discounted euros of the perspective by item over the horizon (``costs`` of a run),
    and the three cost metrics: ``care`` (acts), ``policy`` (the policies' own costs) and
    ``total``. Items paid by the GP (``*_gp_net_cost``) are reported, never summed."""
    payers = PERSPECTIVES[perspective]
    by_item: dict[str, float] = {}
    gp: dict[str, float] = {}
    for item, payer, eur in zip(
        table["item"], table["payer"], table["eur_discounted"], strict=True
    ):
        if payer == "gp":
            gp[item] = gp.get(item, 0.0) + eur
        elif payer in payers:
            by_item[item] = by_item.get(item, 0.0) + eur
        else:
            by_item.setdefault(item, 0.0)
    care = float(sum(v for k, v in by_item.items() if k in ACT_NAMES))
    policy = float(sum(v for k, v in by_item.items() if k not in ACT_NAMES))
    policies = {k: v for k, v in by_item.items() if k not in ACT_NAMES}
    return {
        "policies": {**policies, **gp, "total": policy},
        "care": care,
        "policy": policy,
        "total": care + policy,
    }


def yearly_effects(run: Run) -> dict[str, list]:
    """Effects by year of the measurement window (tidy: year, measure, value): unscheduled
    needs, needs met within 48 h and ED visits of requests arriving that year; adults without
    an MT at the end of the year; the year's discount factor and days."""
    cal = run.cal
    warmup, horizon = cal.warmup_days, cal.horizon_days
    years = n_years(warmup, horizon)
    year = year_of_day(warmup, horizon)
    factor = discount_factors(years, run.params.costs.discount_rate)
    daily = run.tallies.daily[:horizon].astype(np.float64)
    cols: dict[str, list] = {"year": [], "measure": [], "value": []}

    def add(y: int, measure: str, value: float) -> None:
        cols["year"].append(y)
        cols["measure"].append(measure)
        cols["value"].append(float(value))

    sums = {
        "unscheduled": np.bincount(year, daily[:, Daily.UNSCHEDULED], years + 1)[1:],
        "unscheduled_met_48h": np.bincount(year, daily[:, Daily.U48_MET], years + 1)[1:],
        "ed_visits": np.bincount(year, daily[:, Daily.ED], years + 1)[1:],
    }
    for y in range(1, years + 1):
        mark = run.marks.get(f"year{y}") if y < years else run.marks.get("end")
        add(y, "days", min(warmup + 365 * y, horizon) - (warmup + 365 * (y - 1)))
        add(y, "discount_factor", factor[y - 1])
        for name, values in sums.items():
            add(y, name, values[y - 1])
        add(y, "adults_without_mt_end", mark["without_mt"] if mark else np.nan)
    return cols
