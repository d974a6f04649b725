"""Attracting GPs: MSP or health-centre openings, installation-aid contracts and hosting
interns raise the yearly number of GPs installing in the territory, from the policy's start to
its end.

The extra installations are a yearly Poisson process of their own, keyed by (policy, year):
the baseline's installations are unchanged (common random numbers), and the policy adds GPs
``attraction{y}-{j}``. GPs attracted by an opening join the new practice; the others install
like any newcomer (:func:`accesssim.model.supply.add_newcomer`).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, ClassVar

import numpy as np

from accesssim.i18n import N_, _
from accesssim.model import keyed
from accesssim.model.costing import recurring
from accesssim.model.policies.base import Describe, Lever, Policy, end_day
from accesssim.wording import fmt_eur, num

__all__ = ["POLICY", "GPAttractionParams", "extra_per_year"]


@dataclass(frozen=True)
class GPAttractionParams:
    start: int
    end: int | None
    msp_openings: int
    msp_kind: str
    msp_commune: str | None
    gps_per_msp_per_100k: float
    msp_effect_years: float
    aid_contracts_per_year: float
    aid_additional_share: float
    aid_per_contract_eur: float
    intern_hosts: int
    installations_per_host_year: float
    opening_cost_eur: float
    cost_per_host_year_eur: float
    funder: str = "amo"


def extra_per_year(p: GPAttractionParams, population: float) -> tuple[float, float]:
    """Expected extra installations a year while the policy runs: ``(into the new practices,
    elsewhere)``. Openings: ``gps_per_msp_per_100k`` per 100,000 inhabitants each, spread
    over ``msp_effect_years``; aid contracts: the additional share of them; interns: per
    hosting GP."""
    msp = p.msp_openings * p.gps_per_msp_per_100k * population / 1e5 / p.msp_effect_years
    other = (
        p.aid_contracts_per_year * p.aid_additional_share
        + p.intern_hosts * p.installations_per_host_year
    )
    return msp, other


class GPAttraction(Policy):
    key = "gp_attraction"
    order = 90
    label = N_("Attracting GPs (MSP, installation aid, interns)")
    short = N_("GP attraction")
    title = N_("Attracting GPs: a new MSP, installation aid, hosting interns")
    what = N_(
        "More GPs install each year while the policy runs: an MSP or health centre opening, "
        "installation-aid contracts and GPs hosting interns each add installations."
    )
    levers = (
        Lever("msp_openings", N_("MSPs or health centres opening"), "integer", N_("practices")),
        Lever(
            "aid_contracts_per_year",
            N_("Installation-aid contracts a year"),
            "number",
            N_("GPs/year"),
            step=1.0,
        ),
        Lever("intern_hosts", N_("GPs hosting interns"), "integer", N_("GPs")),
        Lever(
            "aid_per_contract_eur",
            N_("Aid per contract"),
            "number",
            N_("EUR per GP, once"),
            step=1000.0,
            cost=True,
        ),
    )

    example: ClassVar[Any] = {"msp_openings": 1, "aid_contracts_per_year": 2}

    def compile(self, block: Any, day_of: Callable[[Any], int]) -> GPAttractionParams:
        return GPAttractionParams(
            start=day_of(block.start),
            end=end_day(block, day_of),
            msp_openings=block.msp_openings,
            msp_kind=block.msp_kind,
            msp_commune=block.msp_commune,
            gps_per_msp_per_100k=block.gps_per_msp_per_100k,
            msp_effect_years=block.msp_effect_years,
            aid_contracts_per_year=block.aid_contracts_per_year,
            aid_additional_share=block.aid_additional_share,
            aid_per_contract_eur=block.aid_per_contract_eur,
            intern_hosts=block.intern_hosts,
            installations_per_host_year=block.installations_per_host_year,
            opening_cost_eur=block.opening_cost_eur,
            cost_per_host_year_eur=block.cost_per_host_year_eur,
            funder=block.funder,
        )

    def add_gps(self, p: GPAttractionParams, b: Any, params: Any) -> None:
        from accesssim.model.supply import add_newcomer
        from accesssim.rng import text_keys

        streams = b.streams
        if streams is None:
            return
        horizon = params.calendar.horizon_days
        if p.start >= horizon:
            return
        commune = params.territory.index(p.msp_commune)
        practices = [b.practice(p.msp_kind, commune) for _ in range(p.msp_openings)]
        population = float(params.territory.commune_population.sum())
        msp, other = extra_per_year(p, population)
        end = min(p.end if p.end is not None else horizon, horizon)
        msp_end = min(end, p.start + int(round(p.msp_effect_years * 365)))
        stream = np.uint64(streams.key("policies.gp_attraction"))
        day_stream = streams.key("policies.gp_attraction.day")
        # Year y of the policy runs from start + 365 y; the Poisson mean is pro rata of the
        # days it runs in that year.
        for y in range(math.ceil((end - p.start) / 365)):
            lo = p.start + 365 * y
            for which, rate, stop in ((0, msp, msp_end), (1, other, end)):
                hi = min(lo + 365, stop)
                if rate <= 0 or hi <= lo:
                    continue
                with np.errstate(**keyed.WRAP):
                    h = np.uint64(keyed.key(stream, np.uint64(y), which))
                    count = int(keyed.poisson(rate * (hi - lo) / 365, h))
                for j in range(count):
                    label = f"attraction{which}-{y}-{j}"
                    u = float(keyed.uniforms(day_stream, text_keys([label]), 0)[0])
                    day = lo + int(u * (hi - lo))
                    practice = practices[j % len(practices)] if which == 0 and practices else None
                    add_newcomer(params, b, label, max(day, 1), streams, practice)

    def cost(self, p: GPAttractionParams, run: Any) -> list[Any]:
        # The openings once, on the start day (not counted when it falls in the warm-up); the
        # aid contracts and the hosts' costs every day from the start to the end.
        n = run.cal.horizon_days
        per_day = recurring(
            n,
            p.start,
            p.aid_contracts_per_year * p.aid_per_contract_eur
            + p.intern_hosts * p.cost_per_host_year_eur,
            p.end,
        )
        if 0 <= p.start < n:
            per_day[p.start] += p.opening_cost_eur * p.msp_openings
        return [self.own(p, run, per_day)]

    def describe(self, p: GPAttractionParams, ctx: Describe) -> list[tuple[str, int | None]]:
        words = _(
            "{msp} opening(s) ({kind}) in {where}; {aid} installation-aid contract(s) a year "
            "at {eur} each; {hosts} GP(s) hosting interns."
        ).format(
            msp=num(p.msp_openings),
            kind=p.msp_kind,
            where=ctx.commune(p.msp_commune),
            aid=num(p.aid_contracts_per_year),
            eur=fmt_eur(p.aid_per_contract_eur),
            hosts=num(p.intern_hosts),
        )
        if p.end is not None:
            words += " " + _("Ends on {date}.").format(date=ctx.when(p.end))
        return [(words, p.start)]

    def cost_words(self, values: Mapping[str, Any], period: str) -> str:
        total = float(values["aid_contracts_per_year"]) * float(values["aid_per_contract_eur"])
        return _("Cost: the installation aid, {eur} a year, {period}.").format(
            eur=fmt_eur(total), period=period
        )


POLICY = GPAttraction()
