"""The seam between a scenario and the model: ``compile_scenario(scenario) -> RunParams``.

A :class:`~accesssim.scenario.Scenario` is a validated pydantic tree written for planners
(dates, optional blocks, defaults by kind). The model works on plain frozen records of numbers,
tuples and arrays in model units: days from day 0 instead of dates, one value per age band in
band order, every policy compiled by its own module (:mod:`accesssim.model.policies`). This
module, and each policy's ``compile``, are the only code of the model that reads the pydantic
tree; everything downstream (calendar, population, supply, demand, the run, costs and metrics)
takes these records.

Distributions (``planned_lead_days``, ``fte``, ...) stay the scenario's distribution objects:
small frozen value objects that know how to sample, not part of the tree's structure.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from accesssim.model.costing import CostParams
from accesssim.model.policies import POLICIES, Policy
from accesssim.scenario.distributions import Distribution, Exponential, Normal
from accesssim.scenario.schema import (
    AGE_BAND_BOUNDS,
    Pharmacists,
    Scenario,
    Teleconsultation,
)

__all__ = [
    "ActivePolicy",
    "CalendarParams",
    "DemandParams",
    "GPParams",
    "OutOfHoursParams",
    "PopulationParams",
    "RosterGP",
    "RunParams",
    "TerritoryParams",
    "compile_scenario",
]

_EARTH_KM = 6371.0


@dataclass(frozen=True)
class CalendarParams:
    """The simulated period and the working week."""

    start_date: dt.date
    horizon_days: int
    warmup_days: int
    open_mask: tuple[tuple[bool, bool], ...]  # 7 weekdays (Monday first) x (am, pm)
    morning_start_hour: float
    afternoon_start_hour: float
    request_start_hour: float
    request_end_hour: float
    french_public_holidays: bool
    closed_days: tuple[dt.date, ...]


@dataclass(frozen=True)
class TerritoryParams:
    """Communes (or one aspatial commune), their positions in km and the GP choice rule."""

    name: str
    insee: tuple[str, ...]  # empty without communes
    commune_names: tuple[str, ...]
    commune_population: np.ndarray  # int64 [n_communes] (one entry without communes)
    lat: tuple[float | None, ...]
    lon: tuple[float | None, ...]
    xy_km: np.ndarray  # float64 [n_communes, 2]
    largest: int  # index of the most populous commune
    distance_decay_km: float
    candidate_gps: int

    def index(self, insee: str | None) -> int:
        """Index of commune ``insee`` (the most populous when None or unknown)."""
        if insee is None:
            return self.largest
        try:
            return self.insee.index(insee)
        except ValueError:
            return self.largest


@dataclass(frozen=True)
class PopulationParams:
    """Inhabitants: structure, declared GPs at the start, turnover."""

    age_shares: tuple[float, ...]  # per band
    age_bounds: tuple[tuple[int, int], ...]
    female_share: float
    ald_share: tuple[float, ...]  # per band
    without_mt_share: float
    without_mt_share_ald: float
    move_out_rate_per_year: float
    death_rate_per_year: tuple[float, ...]  # per band


@dataclass(frozen=True)
class DemandParams:
    """Requests for GP care and what becomes of unmet ones."""

    contacts_non_ald: tuple[float, ...]  # per band, per person-year
    contacts_ald: tuple[float, ...]
    unscheduled_share: float
    unscheduled_24h_share: float
    weekday_profile: tuple[float, ...]  # Monday first
    seasonal_amplitude: float
    epidemic_attack_share: float  # 0 without an epidemic
    epidemic_duration_weeks: float
    epidemic_peak_day_of_year: int
    planned_asap_share: float
    planned_lead_days: Distribution
    planned_patience_days: Distribution
    planned_mt_tolerance_days: float
    home_visit_share_75_plus: float
    ed_share_unmet_24h: float
    ed_share_unmet_48h: float
    sore_throat_share: float
    cystitis_share: float
    enrol_share: float
    unscheduled_tries_other_gps: bool
    request_start_hour: float
    request_end_hour: float
    unscheduled_weekday_profile: tuple[float, ...] = (1.0,) * 7  # Monday first
    unscheduled_hour_profile: tuple[float, ...] = (1.0,) * 24  # 00:00 first
    ed_direct_share: tuple[float, float] = (0.0, 0.0)  # 24 h, 48 h
    ed_direct_age_factor: tuple[float, ...] = (1.0,) * 4  # per band
    ed_direct_hour_factor: tuple[float, ...] = (1.0,) * 4  # per hour band
    emergencies_per_year: tuple[float, ...] = (0.0,) * 4  # per band
    repeat_share: float = 0.0
    repeat_delay_min_days: float = 1.0
    repeat_delay_max_days: float = 1.0
    max_attempts: int = 1


@dataclass(frozen=True)
class RosterGP:
    """A GP listed one by one in the scenario."""

    id: str
    practice: str | None
    commune: str | None
    fte: float
    list_capacity: int | None
    accepts_new_patients: bool
    sees_occasional_unscheduled: bool
    sees_occasional_planned: bool
    age: int | None
    start_day: int
    leave_day: int | None


@dataclass(frozen=True)
class GPParams:
    """The GPs: roster, generated pool, practices, agendas, departures."""

    roster: tuple[RosterGP, ...]
    practices: tuple[tuple[str, str, str | None], ...]  # (id, kind, commune)
    generated_count: int
    fte: Distribution
    sessions_per_week: float
    slots_per_session: float
    initial_booked_share: float
    initial_booked_weeks: float
    weeks_of_leave: float
    list_capacity_per_fte: Distribution
    accepts_new_patients_share: float
    sees_occasional_unscheduled_share: float
    sees_occasional_planned_share: float
    open_list_initial_fill: float
    aged_60_plus_share: float
    departure_rate_60_plus: float
    departure_rate_under_60: float
    replacement_share: float
    replacement_delay_days: float
    newcomer_list_capacity: int
    practice_shares: tuple[float, float, float, float]  # solo, group, msp, centre
    practice_sizes: tuple[int, int, int, int]


@dataclass(frozen=True)
class OutOfHoursParams:
    """Out-of-hours care (PDSA): its hours and its acts per period."""

    night_start_hour: int
    night_end_hour: int
    saturday_start_hour: int
    public_holidays: bool
    acts_per_period: tuple[float, float, float]  # night, Saturday afternoon, Sunday/holiday


@dataclass(frozen=True)
class ActivePolicy:
    """A policy that is on: its module and its compiled record."""

    policy: Policy
    params: Any


@dataclass(frozen=True)
class RunParams:
    """Everything the model needs of a scenario, compiled."""

    name: str
    calendar: CalendarParams
    territory: TerritoryParams
    population: PopulationParams
    demand: DemandParams
    gps: GPParams
    costs: CostParams
    policies: tuple[ActivePolicy, ...] = field(default_factory=tuple)
    out_of_hours: OutOfHoursParams | None = None

    def policy(self, key: str) -> Any:
        """The compiled record of policy ``key``, or None when it is off."""
        for active in self.policies:
            if active.policy.key == key:
                return active.params
        return None

    @property
    def booking_pad_days(self) -> int:
        """Days the agenda extends past the horizon so that late requests can book ahead."""
        dem = self.demand
        pad = _upper(dem.planned_lead_days) + _upper(dem.planned_patience_days) + 14
        return int(min(max(math.ceil(pad), 21), 730))


def _upper(dist: Any) -> float:
    """A practical upper bound of a distribution (for the booking pad)."""
    if isinstance(dist, Exponential):
        return 8.0 * dist.mean
    if isinstance(dist, Normal):
        return min(dist.high, dist.mu + 6 * dist.sd)
    return float(getattr(dist, "high", getattr(dist, "value", 0.0)))


def commune_xy_km(lat: tuple[float | None, ...], lon: tuple[float | None, ...]) -> np.ndarray:
    """Commune points projected to km (equirectangular around the territory's centre).

    Communes without coordinates are put at the centre; with no commune, one point at (0, 0).
    """
    if not lat:
        return np.zeros((1, 2))
    la = np.array([np.nan if v is None else v for v in lat], dtype=float)
    lo = np.array([np.nan if v is None else v for v in lon], dtype=float)
    known = ~(np.isnan(la) | np.isnan(lo))
    if not known.any():
        return np.zeros((len(lat), 2))
    lat0, lon0 = la[known].mean(), lo[known].mean()
    la = np.where(known, la, lat0)
    lo = np.where(known, lo, lon0)
    x = np.radians(lo - lon0) * _EARTH_KM * math.cos(math.radians(lat0))
    y = np.radians(la - lat0) * _EARTH_KM
    return np.column_stack([x, y])


def _calendar(scenario: Scenario) -> CalendarParams:
    cal = scenario.calendar
    mask = tuple((am, pm) for am, pm in cal.sessions.open_mask())
    return CalendarParams(
        start_date=cal.start_date,
        horizon_days=cal.horizon_days,
        warmup_days=cal.warmup_days,
        open_mask=mask,
        morning_start_hour=cal.morning_start_hour,
        afternoon_start_hour=cal.afternoon_start_hour,
        request_start_hour=cal.request_start_hour,
        request_end_hour=cal.request_end_hour,
        french_public_holidays=cal.public_holidays == "france",
        closed_days=tuple(cal.closed_days),
    )


def _territory(scenario: Scenario) -> TerritoryParams:
    ter = scenario.territory
    communes = ter.communes
    if communes:
        sizes = np.array([c.population for c in communes], dtype=np.int64)
        largest = int(np.argmax(sizes))
    else:
        sizes = np.array([scenario.population_size], dtype=np.int64)
        largest = 0
    lat = tuple(c.lat for c in communes)
    lon = tuple(c.lon for c in communes)
    return TerritoryParams(
        name=ter.name,
        insee=tuple(c.insee for c in communes),
        commune_names=tuple(c.name for c in communes),
        commune_population=sizes,
        lat=lat,
        lon=lon,
        xy_km=commune_xy_km(lat, lon),
        largest=largest,
        distance_decay_km=ter.distance_decay_km,
        candidate_gps=ter.candidate_gps,
    )


def _population(scenario: Scenario) -> PopulationParams:
    pop = scenario.population
    return PopulationParams(
        age_shares=pop.age_shares.as_tuple(),
        age_bounds=AGE_BAND_BOUNDS,
        female_share=pop.female_share,
        ald_share=pop.ald_share.as_tuple(),
        without_mt_share=pop.without_mt_share,
        without_mt_share_ald=pop.without_mt_share_ald,
        move_out_rate_per_year=pop.move_out_rate_per_year,
        death_rate_per_year=pop.death_rate_per_year.as_tuple(),
    )


def _demand(scenario: Scenario) -> DemandParams:
    dem = scenario.demand
    epi = dem.epidemic
    return DemandParams(
        contacts_non_ald=dem.contacts_per_year.non_ald.as_tuple(),
        contacts_ald=dem.contacts_per_year.ald.as_tuple(),
        unscheduled_share=dem.unscheduled_share,
        unscheduled_24h_share=dem.unscheduled_24h_share,
        weekday_profile=dem.weekday_profile.as_tuple(),
        seasonal_amplitude=dem.seasonal_amplitude,
        epidemic_attack_share=epi.attack_share if epi is not None else 0.0,
        epidemic_duration_weeks=epi.duration_weeks if epi is not None else 0.0,
        epidemic_peak_day_of_year=epi.peak_day_of_year if epi is not None else 1,
        planned_asap_share=dem.planned_asap_share,
        planned_lead_days=dem.planned_lead_days,
        planned_patience_days=dem.planned_patience_days,
        planned_mt_tolerance_days=dem.planned_mt_tolerance_days,
        home_visit_share_75_plus=dem.home_visit_share_75_plus,
        ed_share_unmet_24h=dem.ed_share_unmet_24h,
        ed_share_unmet_48h=dem.ed_share_unmet_48h,
        sore_throat_share=dem.sore_throat_share,
        cystitis_share=dem.cystitis_share,
        enrol_share=dem.enrol_share,
        unscheduled_tries_other_gps=dem.unscheduled_tries_other_gps,
        request_start_hour=scenario.calendar.request_start_hour,
        request_end_hour=scenario.calendar.request_end_hour,
        unscheduled_weekday_profile=dem.unscheduled_weekday_profile.as_tuple(),
        unscheduled_hour_profile=tuple(dem.unscheduled_hour_profile),
        ed_direct_share=(dem.ed_direct_share_24h, dem.ed_direct_share_48h),
        ed_direct_age_factor=dem.ed_direct_age_factor.as_tuple(),
        ed_direct_hour_factor=dem.ed_direct_hour_factor.as_tuple(),
        emergencies_per_year=dem.emergencies_per_year.as_tuple(),
        repeat_share=dem.repeat_share,
        repeat_delay_min_days=dem.repeat_delay_min_days,
        repeat_delay_max_days=dem.repeat_delay_max_days,
        max_attempts=dem.max_attempts,
    )


def _out_of_hours(scenario: Scenario) -> OutOfHoursParams | None:
    ooh = scenario.out_of_hours
    if ooh is None:
        return None
    size = scenario.population_size / 1e5
    cap = ooh.capacity_per_100k
    return OutOfHoursParams(
        night_start_hour=ooh.night_start_hour,
        night_end_hour=ooh.night_end_hour,
        saturday_start_hour=ooh.saturday_start_hour,
        public_holidays=ooh.public_holidays,
        acts_per_period=(
            cap.night * size,
            cap.saturday_afternoon * size,
            cap.sunday_holiday * size,
        ),
    )


def _gps(scenario: Scenario) -> GPParams:
    pool = scenario.gps
    day_of = scenario.calendar.day_of
    mix = pool.practice_mix
    roster = tuple(
        RosterGP(
            id=g.id,
            practice=g.practice,
            commune=g.commune,
            fte=g.fte,
            list_capacity=g.list_capacity,
            accepts_new_patients=g.accepts_new_patients,
            sees_occasional_unscheduled=g.sees_occasional_unscheduled,
            sees_occasional_planned=g.sees_occasional_planned,
            age=g.age,
            start_day=day_of(g.start),
            leave_day=day_of(g.leave) if g.leave is not None else None,
        )
        for g in pool.roster
    )
    return GPParams(
        roster=roster,
        practices=tuple((p.id, p.kind, p.commune) for p in pool.practices),
        generated_count=scenario.generated_gp_count,
        fte=pool.fte,
        sessions_per_week=pool.sessions_per_week,
        slots_per_session=pool.slots_per_session,
        initial_booked_share=pool.initial_booked_share,
        initial_booked_weeks=pool.initial_booked_weeks,
        weeks_of_leave=pool.weeks_of_leave,
        list_capacity_per_fte=pool.list_capacity_per_fte,
        accepts_new_patients_share=pool.accepts_new_patients_share,
        sees_occasional_unscheduled_share=pool.sees_occasional_unscheduled_share,
        sees_occasional_planned_share=pool.sees_occasional_planned_share,
        open_list_initial_fill=pool.open_list_initial_fill,
        aged_60_plus_share=pool.aged_60_plus_share,
        departure_rate_60_plus=pool.departure_rate_60_plus,
        departure_rate_under_60=pool.departure_rate_under_60,
        replacement_share=pool.replacement_share,
        replacement_delay_days=pool.replacement_delay_days,
        newcomer_list_capacity=pool.newcomer_list_capacity,
        practice_shares=(mix.solo, mix.group, mix.msp, mix.centre),
        practice_sizes=(1, mix.group_size, mix.msp_size, mix.centre_size),
    )


def _default(model: Any, name: str) -> Any:
    return model.model_fields[name].default


def _costs(scenario: Scenario) -> CostParams:
    """The ``costs:`` block and the act fees of the policies (their schema defaults when off)."""
    c = scenario.costs
    fees, rb = c.fees, c.reimbursement
    pol = scenario.policies
    return CostParams(
        perspective=c.perspective,
        discount_rate=c.discount_rate,
        g_fee=fees.office_consultation_eur,
        g_fee_before=fees.office_consultation_before_eur,
        g_from_day=(fees.office_consultation_from - scenario.calendar.start_date).days,
        under_6_eur=fees.under_6_supplement_eur,
        home_visit_eur=fees.home_visit_supplement_eur,
        ooh_weekend_eur=fees.out_of_hours.weekend_holiday_eur,
        ooh_night_eur=fees.out_of_hours.night_eur,
        ooh_deep_night_eur=fees.out_of_hours.deep_night_eur,
        ooh_tele_eur=fees.out_of_hours.teleconsultation_eur,
        sas_eur=fees.sas_supplement_eur,
        ed_visit_eur=fees.ed_visit_eur,
        ed_patient_fee_eur=fees.ed_patient_fee_eur,
        ed_patient_fee_reduced_eur=fees.ed_patient_fee_reduced_eur,
        pathway_rate=rb.pathway_rate,
        outside_rate=rb.outside_pathway_rate,
        urgent_in_pathway=rb.urgent_care_in_pathway,
        ald_rate=rb.ald_rate,
        nurse_rate=rb.nurse_rate,
        pharmacist_rate=rb.pharmacist_rate,
        participation_eur=rb.flat_participation_eur,
        tele_fee=(
            pol.teleconsultation.cost_per_act_eur
            if pol.teleconsultation is not None
            else _default(Teleconsultation, "cost_per_act_eur")
        ),
        pharmacist_fee=(
            pol.pharmacists.cost_per_act_eur
            if pol.pharmacists is not None
            else _default(Pharmacists, "cost_per_act_eur")
        ),
        nurse_fee=pol.nurses.effective_fee if pol.nurses is not None else 0.0,
    )


def compile_scenario(scenario: Scenario) -> RunParams:
    """The model's records of ``scenario`` (which is not modified)."""
    day_of = scenario.calendar.day_of
    active = []
    for policy in POLICIES:
        block = getattr(scenario.policies, policy.key)
        if block is None or (isinstance(block, list) and not block):
            continue
        active.append(ActivePolicy(policy, policy.compile(block, day_of)))
    return RunParams(
        name=scenario.name,
        calendar=_calendar(scenario),
        territory=_territory(scenario),
        population=_population(scenario),
        demand=_demand(scenario),
        gps=_gps(scenario),
        costs=_costs(scenario),
        policies=tuple(active),
        out_of_hours=_out_of_hours(scenario),
    )
