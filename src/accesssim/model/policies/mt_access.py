"""The CPTS mission to find an MT for patients without one: each month, adults without a
declared GP (ALD patients first) are matched to a GP who takes new patients and has room."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model import kernel as K
from accesssim.model import keyed
from accesssim.model.clock import MIDNIGHT
from accesssim.model.costing import recurring
from accesssim.model.policies.base import Describe, Lever, Policy
from accesssim.wording import fmt_eur, num

__all__ = ["POLICY", "MTAccessParams"]


@dataclass(frozen=True)
class MTAccessParams:
    start: int
    monthly_capacity: int
    ald_priority: bool
    include_closed_lists: bool
    cost_per_year_eur: float
    cost_per_match_eur: float
    funder: str


class MTAccess(Policy):
    key = "mt_access"
    order = 80
    label = N_("Finding an MT for patients without one")
    short = N_("MT mission")
    title = N_("Finding an MT for patients without one (CPTS mission)")
    what = N_(
        "Each month the CPTS matches adults without a médecin traitant (MT) to a GP "
        "who takes new patients and has room."
    )
    levers = (
        Lever(
            "monthly_capacity",
            N_("Patients the CPTS can match to a GP"),
            "integer",
            N_("people/month"),
            maximum=100000.0,
            step=10.0,
        ),
        Lever("ald_priority", N_("Patients with a chronic condition (ALD) first"), "toggle"),
        Lever(
            "cost_per_year_eur",
            N_("Cost of the mission"),
            "number",
            N_("EUR/year"),
            step=1000.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = {"monthly_capacity": 200}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> MTAccessParams:
        return MTAccessParams(
            start=day_of(block.start),
            monthly_capacity=block.monthly_capacity,
            ald_priority=block.ald_priority,
            include_closed_lists=block.include_closed_lists,
            cost_per_year_eur=block.cost_per_year_eur,
            cost_per_match_eur=block.cost_per_match_eur,
            funder=block.funder,
        )

    def processes(self, p: MTAccessParams, run: Any) -> list[Callable[[], Iterator[Any]]]:
        if run.sup.n == 0:
            return []
        return [lambda: _matching(p, run)]

    def process_days(self, p: MTAccessParams, run: Any) -> list[int]:
        return _month_days(p, run)

    def cost(self, p: MTAccessParams, run: Any) -> list[Any]:
        per_day = recurring(run.cal.horizon_days, p.start, p.cost_per_year_eur)
        matched = run.offered.get("mt_access_matched_by_day")
        if matched is not None:
            per_day = per_day + p.cost_per_match_eur * matched[: run.cal.horizon_days]
        return [self.own(p, run, per_day)]

    def describe(self, p: MTAccessParams, ctx: Describe) -> list[tuple[str, int | None]]:
        words = _(
            "The CPTS matches up to {n} patients without an MT to a GP with room each month"
        ).format(n=num(p.monthly_capacity))
        if p.ald_priority:
            words += _(", ALD patients first")
        if p.include_closed_lists:
            words += _(", closed lists included")
        words += _("; {year} a year and {match} per patient matched.").format(
            year=fmt_eur(p.cost_per_year_eur), match=fmt_eur(p.cost_per_match_eur)
        )
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        return _("Cost: {eur} a year, pro rata {period}.").format(
            eur=fmt_eur(values["cost_per_year_eur"]), period=period
        )


def _month_days(p: MTAccessParams, run: Any) -> list[int]:
    """The start day and the first day of every month after it."""
    return sorted({d for d in [p.start, *run.first_of_month] if d >= p.start})


def _matching(p: MTAccessParams, run: Any) -> Iterator[Any]:
    """Monthly from the start day: match up to ``monthly_capacity`` adults without a valid MT
    (ALD first when asked) to a GP near home with room."""
    env = run.env
    stream = run.streams.key("policies.mt_access")
    people, gps = run.people, run.gps
    person_key, gp_key = run.pop.key, run.sup.key
    prev = 0
    yield env.timeout(MIDNIGHT["policies"])
    for day in _month_days(p, run):
        yield env.timeout(day - prev)
        prev = day
        mt = people.mt
        valid = (mt >= 0) & (gps.active[np.maximum(mt, 0)] == 1)
        pool_people = np.flatnonzero(run.adults & ~valid)
        people.mt[pool_people] = -1
        # The month's order of people and of GPs, and the choice uniforms: keyed by person (or
        # GP) and day, so one more inhabitant or GP changes no one else's draws.
        month = np.uint64(keyed.combine(stream, day))
        with keyed.wrapping():
            pool_people = pool_people[
                keyed.key_order(keyed.combine_many(month, person_key[pool_people]))
            ]
        if p.ald_priority:
            ald = people.ald[pool_people]
            pool_people = np.concatenate([pool_people[ald], pool_people[~ald]])
        take = pool_people[: p.monthly_capacity].astype(np.int32)
        ok = gps.active.astype(bool) & (gps.accepts.astype(bool) | p.include_closed_lists)
        ok_ids = np.flatnonzero(ok).astype(np.int32)
        with keyed.wrapping():
            fallback = ok_ids[
                keyed.key_order(keyed.combine_many(month ^ np.uint64(1), gp_key[ok_ids]))
            ]
            choice = keyed.combine_many(month ^ np.uint64(2), person_key[take])
        failed = K.assign_mt(take, people, gps, gps.cap_eff, ok, run.everyone, choice, fallback)
        matched = int(take.size - failed)
        run.extra["mt_access_matched"] += matched
        by_day = run.offered.setdefault(
            "mt_access_matched_by_day", np.zeros(run.cal.horizon_days, dtype=np.int64)
        )
        by_day[day] += matched
        if run.cal.warmup_days <= day < run.cal.horizon_days:
            run.extra["mt_access_matched_measured"] += matched


POLICY = MTAccess()
