"""GPs, practices and their agendas, built once per replication as numpy arrays.

Everything about supply that is known in advance is computed here: who practises where and
when (roster, generated GPs, their departures and replacements, installations, retirements),
which half-days each GP works, leave weeks, and the number of regular and reserved slots of
every (GP, session) cell, with the gains of medical assistants and the GP time given to
teleconsultation already applied. Only the *free* counts change during the run.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from accesssim.model.calendar import SessionCalendar
from accesssim.rng import Streams
from accesssim.scenario.schema import Scenario

__all__ = ["Supply", "build_supply", "commune_xy_km"]

_KIND_CODE = {"solo": 0, "group": 1, "msp": 2, "centre": 3}
_EARTH_KM = 6371.0
_NEVER = np.iinfo(np.int32).max
_AGENDA_BLOCK = 512  # GPs per block when building the agendas


@dataclass
class Supply:
    """GP and practice arrays (index = GP id, 0..n-1)."""

    n: int
    practice: np.ndarray  # int32 [n]
    commune: np.ndarray  # int32 [n]
    fte: np.ndarray  # float64 [n]
    list_capacity: np.ndarray  # int32 [n], base capacity (adults)
    willing: np.ndarray  # bool [n]: takes new MT patients while under capacity
    open_at_start: np.ndarray  # bool [n]: list open (not full) on day 0
    sees_others: np.ndarray  # bool [n]: sees patients of other GPs
    aged_60_plus: np.ndarray  # bool [n]
    start_day: np.ndarray  # int32 [n]
    leave_day: np.ndarray  # int32 [n], _NEVER if the GP stays
    label: list[str]  # roster id or generated name
    practice_kind: np.ndarray  # int8 [n_practices]
    practice_commune: np.ndarray  # int32 [n_practices]
    prac_ptr: np.ndarray  # int32 [n_practices + 1] CSR of practice members
    prac_members: np.ndarray  # int32
    free: np.ndarray  # int16 [n, n_sessions] regular free slots
    reserved: np.ndarray  # int16 [n, n_sessions] reserved free slots
    offered: np.ndarray  # int16 [n, n_sessions] slots offered (regular + reserved, initial)
    reserved_offered: np.ndarray  # int16 [n, n_sessions]
    prebooked: np.ndarray  # int32 [n_sessions]: initial backlog appointments per session
    ma_share: np.ndarray  # float64 [n]: assistant FTE of the GP (0 if none)
    ma_phase: np.ndarray  # float64 [n_days]: phase-in of assistant gains (0..1)
    nurse_gp: np.ndarray  # bool [n]: works with a policy nurse
    rota: np.ndarray  # bool [n]: reserved slots on the shared rota
    installed: np.ndarray  # int32 [n]: index of the installations entry, -1 otherwise
    extra: dict = field(default_factory=dict)

    def active_on(self, day: int) -> np.ndarray:
        """GPs practising on ``day``."""
        return (self.start_day <= day) & (day < self.leave_day)


def commune_xy_km(scenario: Scenario) -> np.ndarray:
    """Commune centroids projected to km (equirectangular around the territory's centre).

    Communes without coordinates are put at the centre; with no commune, one point at (0, 0).
    """
    communes = scenario.territory.communes
    if not communes:
        return np.zeros((1, 2))
    lat = np.array([np.nan if c.lat is None else c.lat for c in communes], dtype=float)
    lon = np.array([np.nan if c.lon is None else c.lon for c in communes], dtype=float)
    known = ~(np.isnan(lat) | np.isnan(lon))
    if not known.any():
        return np.zeros((len(communes), 2))
    lat0, lon0 = lat[known].mean(), lon[known].mean()
    lat = np.where(known, lat, lat0)
    lon = np.where(known, lon, lon0)
    x = np.radians(lon - lon0) * _EARTH_KM * math.cos(math.radians(lat0))
    y = np.radians(lat - lat0) * _EARTH_KM
    return np.column_stack([x, y])


def _commune_index(scenario: Scenario) -> dict[str, int]:
    return {c.insee: i for i, c in enumerate(scenario.territory.communes)}


def _largest_commune(scenario: Scenario) -> int:
    communes = scenario.territory.communes
    if not communes:
        return 0
    return int(np.argmax([c.population for c in communes]))


def _split_counts(total: int, shares: list[float]) -> list[int]:
    """Integer counts summing to ``total`` in proportion to ``shares`` (largest remainder)."""
    raw = [total * s for s in shares]
    counts = [int(math.floor(r)) for r in raw]
    rest = total - sum(counts)
    order = sorted(range(len(shares)), key=lambda i: raw[i] - counts[i], reverse=True)
    for i in order[:rest]:
        counts[i] += 1
    return counts


class _Builder:
    """Collects practices and GPs before they become arrays."""

    def __init__(self) -> None:
        self.p_kind: list[int] = []
        self.p_commune: list[int] = []
        self.gp: dict[str, list] = {
            k: []
            for k in (
                "practice",
                "commune",
                "fte",
                "cap",
                "accepts",
                "open",
                "others",
                "old",
                "start",
                "leave",
                "label",
                "installed",
                "slots",
            )
        }

    def practice(self, kind: str, commune: int) -> int:
        self.p_kind.append(_KIND_CODE[kind])
        self.p_commune.append(commune)
        return len(self.p_kind) - 1

    def add(self, **kw: object) -> int:
        for k, v in kw.items():
            self.gp[k].append(v)
        return len(self.gp["fte"]) - 1


def _when(scenario: Scenario, when: int | dt.date) -> int:
    return scenario.calendar.day_of(when)


def build_supply(scenario: Scenario, cal: SessionCalendar, streams: Streams) -> Supply:
    """All GP arrays and agendas of one replication."""
    pool = scenario.gps
    horizon = cal.horizon_days
    cindex = _commune_index(scenario)
    largest = _largest_commune(scenario)
    b = _Builder()
    default_slots = pool.slots_per_session

    # -- explicit practices and roster -----------------------------------------------------
    pid: dict[str, int] = {}
    for p in pool.practices:
        pid[p.id] = b.practice(p.kind, cindex.get(p.commune, largest) if p.commune else largest)
    cap_mean = pool.list_capacity_per_fte.mean
    for g in pool.roster:
        if g.practice is not None:
            prac = pid[g.practice]
            commune = cindex[g.commune] if g.commune else b.p_commune[prac]
        else:
            commune = cindex[g.commune] if g.commune else largest
            prac = b.practice("solo", commune)
        leave = _when(scenario, g.leave) if g.leave is not None else _NEVER
        cap = g.list_capacity if g.list_capacity is not None else int(round(cap_mean * g.fte))
        b.add(
            practice=prac,
            commune=commune,
            fte=g.fte,
            cap=cap,
            accepts=g.accepts_new_patients,
            open=g.accepts_new_patients,
            others=g.sees_other_patients,
            old=(g.age or 50) >= 60,
            start=_when(scenario, g.start),
            leave=leave,
            label=g.id,
            installed=-1,
            slots=default_slots,
        )

    # -- generated GPs ---------------------------------------------------------------------
    n_gen = scenario.generated_gp_count
    if n_gen > 0:
        # One stream per attribute, each drawn in GP order: the first GPs' draws do not depend
        # on how many GPs follow.
        mix = pool.practice_mix
        kinds = ["solo", "group", "msp", "centre"]
        sizes = [1, mix.group_size, mix.msp_size, mix.centre_size]
        per_kind = _split_counts(n_gen, [mix.solo, mix.group, mix.msp, mix.centre])
        communes = scenario.territory.communes
        weights = np.array([c.population for c in communes], dtype=float) if communes else None
        if weights is not None and weights.sum() <= 0:
            weights = np.ones(len(communes))
        gp_practice: list[int] = []
        for kind, size, count in zip(kinds, sizes, per_kind, strict=True):
            while count > 0:
                k = min(size, count)
                if weights is None:
                    commune = 0
                else:
                    commune = int(
                        streams["gps.place"].choice(len(weights), p=weights / weights.sum())
                    )
                prac = b.practice(kind, commune)
                gp_practice.extend([prac] * k)
                count -= k
        # Stratified draws: each GP a different quantile, so the territory's total FTE and
        # list capacity do not vary between replications by chance (its spread across GPs
        # stays that of the distribution).
        ftes = np.clip(pool.fte.stratified(streams["gps.fte"], n_gen), 0.05, 1.5)
        capacity = pool.list_capacity_per_fte.stratified(streams["gps.capacity"], n_gen)
        caps = np.maximum(capacity, 0.0)
        caps = caps * ftes
        accepts = streams["gps.open_list"].random(n_gen) < pool.accepts_new_patients_share
        others = streams["gps.sees_others"].random(n_gen) < pool.sees_other_patients_share
        old = streams["gps.age"].random(n_gen) < pool.aged_60_plus_share
        # Departures: exponential time to leaving at the age-specific annual rate.
        rates = np.where(old, pool.departure_rate_60_plus, pool.departure_rate_under_60)
        u_leave = streams["gps.departure"].random(n_gen)
        u_repl = streams["gps.replacement"].random(n_gen)
        with np.errstate(divide="ignore"):
            t_leave = np.where(rates > 0, -np.log1p(-u_leave) / np.maximum(rates, 1e-300), np.inf)
        leave_days = np.floor(t_leave * 365.0)
        for i in range(n_gen):
            prac = gp_practice[i]
            leave = int(leave_days[i]) if leave_days[i] < horizon else _NEVER
            b.add(
                practice=prac,
                commune=b.p_commune[prac],
                fte=float(ftes[i]),
                cap=int(round(caps[i])),
                accepts=True,
                open=bool(accepts[i]),
                others=bool(others[i]),
                old=bool(old[i]),
                start=0,
                leave=max(leave, 1) if leave != _NEVER else _NEVER,
                label=f"gp{i:05d}",
                installed=-1,
                slots=default_slots,
            )
        # Replacements of departing generated GPs (same practice, after a delay).
        first_gen = len(pool.roster)
        for i in range(n_gen):
            gi = first_gen + i
            leave = b.gp["leave"][gi]
            if leave == _NEVER or u_repl[i] >= pool.replacement_share:
                continue
            start = leave + int(round(pool.replacement_delay_days))
            if start >= horizon:
                continue
            prac = b.gp["practice"][gi]
            b.add(
                practice=prac,
                commune=b.p_commune[prac],
                fte=b.gp["fte"][gi],
                cap=int(round(pool.newcomer_list_capacity * b.gp["fte"][gi])),
                accepts=True,
                open=True,
                others=True,
                old=False,
                start=start,
                leave=_NEVER,
                label=f"gp{i:05d}-successor",
                installed=-1,
                slots=default_slots,
            )

    # -- installations (policy) --------------------------------------------------------------
    for k, inst in enumerate(scenario.policies.installations):
        day = _when(scenario, inst.date)
        if inst.practice is not None:
            prac = pid[inst.practice]
            commune = b.p_commune[prac]
        else:
            commune = cindex[inst.commune] if inst.commune else largest
            prac = b.practice(inst.practice_kind, commune)
        for j in range(inst.count):
            b.add(
                practice=prac,
                commune=commune,
                fte=inst.fte,
                cap=inst.list_capacity,
                accepts=inst.accepts_new_patients,
                open=True,
                others=True,
                old=False,
                start=day,
                leave=_NEVER,
                label=f"installation{k}-{j}",
                installed=k,
                slots=default_slots,
            )

    n = len(b.gp["fte"])
    start_day = np.array(b.gp["start"], dtype=np.int32)
    leave_day = np.array(b.gp["leave"], dtype=np.int64).clip(max=_NEVER).astype(np.int32)
    old = np.array(b.gp["old"], dtype=bool)
    labels: list[str] = list(b.gp["label"])

    # -- retirements (policy) --------------------------------------------------------------
    roster_index = {g.id: i for i, g in enumerate(pool.roster)}
    rng_ret = streams["policies.retirements"]
    for ret in scenario.policies.retirements:
        day = _when(scenario, ret.date)
        for gid in ret.gp_ids:
            i = roster_index[gid]
            leave_day[i] = min(leave_day[i], max(day, start_day[i] + 1))
        if ret.count > 0:
            eligible = np.flatnonzero(old & (start_day <= day) & (leave_day > day))
            if eligible.size < ret.count:
                extra = np.flatnonzero(~old & (start_day <= day) & (leave_day > day))
                eligible = np.concatenate([eligible, rng_ret.permutation(extra)])
                chosen = eligible[: ret.count]
            else:
                chosen = rng_ret.choice(eligible, size=ret.count, replace=False)
            leave_day[chosen] = day

    practice = np.array(b.gp["practice"], dtype=np.int32)
    p_kind = np.array(b.p_kind, dtype=np.int8)
    p_commune = np.array(b.p_commune, dtype=np.int32)
    order = np.argsort(practice, kind="stable").astype(np.int32)
    counts = np.bincount(practice, minlength=len(p_kind)) if n else np.zeros(len(p_kind), int)
    prac_ptr = np.zeros(len(p_kind) + 1, dtype=np.int32)
    prac_ptr[1:] = np.cumsum(counts)

    fte = np.array(b.gp["fte"], dtype=np.float64)
    sup = Supply(
        n=n,
        practice=practice,
        commune=np.array(b.gp["commune"], dtype=np.int32),
        fte=fte,
        list_capacity=np.array(b.gp["cap"], dtype=np.int32),
        willing=np.array(b.gp["accepts"], dtype=bool),
        open_at_start=np.array(b.gp["open"], dtype=bool),
        sees_others=np.array(b.gp["others"], dtype=bool),
        aged_60_plus=old,
        start_day=start_day,
        leave_day=leave_day,
        label=labels,
        practice_kind=p_kind,
        practice_commune=p_commune,
        prac_ptr=prac_ptr,
        prac_members=order,
        free=np.zeros((n, cal.n_sessions), dtype=np.int16),
        reserved=np.zeros((n, cal.n_sessions), dtype=np.int16),
        offered=np.zeros((n, cal.n_sessions), dtype=np.int16),
        reserved_offered=np.zeros((n, cal.n_sessions), dtype=np.int16),
        prebooked=np.zeros(cal.n_sessions, dtype=np.int32),
        ma_share=np.zeros(n),
        ma_phase=np.zeros(cal.n_days),
        nurse_gp=np.zeros(n, dtype=bool),
        rota=np.zeros(n, dtype=bool),
        installed=np.array(b.gp["installed"], dtype=np.int32),
    )
    _choose_policy_gps(scenario, sup, streams)
    _build_agendas(scenario, cal, sup, np.array(b.gp["slots"], dtype=float), streams)
    return sup


def _choose_policy_gps(scenario: Scenario, sup: Supply, streams: Streams) -> None:
    """Which GPs get a medical assistant, a nurse, a place on the rota."""
    pol = scenario.policies
    ma = pol.medical_assistants
    if ma is not None and sup.n:
        start = _when(scenario, ma.start)
        active = np.flatnonzero(sup.active_on(start))
        if ma.all_gps:
            chosen = active
        else:
            k = min(int(math.floor((ma.count_fte or 0.0) / ma.fte_per_gp + 1e-9)), active.size)
            chosen = streams["policies.medical_assistants"].choice(active, size=k, replace=False)
        sup.ma_share[chosen] = ma.fte_per_gp
        days = np.arange(sup.ma_phase.size)
        if ma.phase_in_years > 0:
            phase = (days - start) / (365.0 * ma.phase_in_years)
        else:
            phase = np.where(days >= start, 1.0, 0.0)
        sup.ma_phase[:] = np.clip(phase, 0.0, 1.0) * (days >= start)
    nurses = pol.nurses
    if nurses is not None and sup.n and nurses.fte > 0:
        start = _when(scenario, nurses.start)
        active = np.flatnonzero(sup.active_on(start))
        k = min(int(round(nurses.fte * nurses.gps_per_fte)), active.size)
        chosen = streams["policies.nurses"].choice(active, size=k, replace=False)
        sup.nurse_gp[chosen] = True
    us = pol.unscheduled_slots
    if us is not None and us.shared_rota and sup.n:
        u = streams["policies.rota"].random(sup.n)
        sup.rota[:] = u < us.rota_participation_share


def _leave_mask(scenario: Scenario, cal: SessionCalendar, n: int, streams: Streams) -> np.ndarray:
    """bool [n, n_days]: GP on leave (whole weeks: 3 in summer, the rest one week at a time)."""
    mask = np.zeros((n, cal.n_days), dtype=bool)
    weeks = scenario.gps.weeks_of_leave
    if n == 0 or weeks <= 0:
        return mask
    first = cal.start_date
    last = first + dt.timedelta(days=cal.n_days - 1)
    for year in range(first.year, last.year + 1):
        jan1 = dt.date(year, 1, 1)
        monday0 = jan1 + dt.timedelta(days=(7 - jan1.weekday()) % 7)
        mondays = [monday0 + dt.timedelta(weeks=w) for w in range(52)]
        offs = np.array([(m - first).days for m in mondays])
        summer = [
            w
            for w, m in enumerate(mondays)
            if m.month in (7, 8) and (m + dt.timedelta(days=20)).month in (7, 8)
        ]
        # One stream per year and purpose, drawn in GP order (adding GPs leaves others alone).
        n_weeks = np.floor(weeks + streams[f"gps.leave.{year}.weeks"].random(n)).astype(int)
        summer_rng = streams[f"gps.leave.{year}.summer"]
        summer_start = summer_rng.choice(summer, size=n) if summer else np.zeros(n, int)
        other = streams[f"gps.leave.{year}.other"].random((n, 52))
        # Weeks off of each GP (vectorised over GPs): a summer block of min(3, k) weeks from
        # its drawn start, then the k - block weeks outside the block that come first in the
        # order of its 52 uniforms (``argsort`` of each row).
        block = np.minimum(3, n_weeks)
        off = np.zeros((n, 52), dtype=bool)
        rows = np.arange(n)
        for j in range(3):
            has = block > j
            off[rows[has], summer_start[has] + j] = True
        order = np.argsort(other, axis=1)
        outside = ~np.take_along_axis(off, order, axis=1)  # in each GP's order of weeks
        rank = np.cumsum(outside, axis=1) - 1
        extra = outside & (rank < (n_weeks - block)[:, None])
        off[rows[:, None], order] |= extra
        for w in range(52):
            lo = offs[w]
            hi = lo + 7
            if hi <= 0 or lo >= cal.n_days:
                continue
            mask[:, max(lo, 0) : min(hi, cal.n_days)] |= off[:, w, None]
    return mask


def _floor_diff(rate: np.ndarray) -> np.ndarray:
    """Integer counts whose running sum tracks the running sum of fractional ``rate`` (axis 1)."""
    cum = np.floor(np.cumsum(rate, axis=-1) + 1e-9)
    out = np.diff(cum, axis=-1, prepend=0.0)
    return out


def _build_agendas(
    scenario: Scenario,
    cal: SessionCalendar,
    sup: Supply,
    slots: np.ndarray,
    streams: Streams,
) -> None:
    n, s_count = sup.n, cal.n_sessions
    if n == 0:
        return
    pool = scenario.gps
    open_week = np.array(scenario.calendar.sessions.open_mask(), dtype=bool).reshape(-1)  # 14
    open_idx = np.flatnonzero(open_week)
    u_count = streams["gps.pattern.count"].random(n)
    per_week = np.floor(pool.sessions_per_week * sup.fte + u_count).astype(int)
    per_week = np.clip(per_week, 1, open_idx.size)
    pattern = np.zeros((n, 14), dtype=bool)
    keys = streams["gps.pattern.days"].random((n, open_idx.size))
    # Each GP works the per_week[g] open half-days that come first in the order of its keys.
    first = np.argsort(keys, axis=1)
    chosen = np.arange(open_idx.size)[None, :] < per_week[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], first.shape)
    pattern[rows[chosen], open_idx[first[chosen]]] = True

    leave = _leave_mask(scenario, cal, n, streams)
    days = np.arange(cal.n_days)
    wd = cal.weekday.astype(int)
    active = (sup.start_day[:, None] <= days[None, :]) & (days[None, :] < sup.leave_day[:, None])
    works_day = active & ~leave  # [n, n_days]
    # works[g, s]: pattern for (weekday, half) of session s, the session is open, GP works.
    week_slot = (wd[:, None] * 2 + np.array([0, 1])[None, :]).reshape(-1)  # [n_sessions]
    sess_day = np.arange(s_count) // 2
    ma = scenario.policies.medical_assistants
    ma_gain = None
    if ma is not None and sup.ma_share.any():
        ma_gain = ma.acts_gain * np.minimum(sup.ma_share, 1.0)  # half an FTE, half the gain
        ma_phase = sup.ma_phase[sess_day]

    def rate_rows(lo: int, hi: int) -> np.ndarray:
        """Slot rate of GPs lo..hi-1 per session: base x assistant gain (float64)."""
        works = (
            pattern[lo:hi][:, week_slot]
            & cal.session_open[None, :]
            & np.repeat(works_day[lo:hi], 2, axis=1)
        )
        rate = np.where(works, slots[lo:hi, None], 0.0)
        if ma_gain is not None:
            rate *= 1.0 + ma_gain[lo:hi, None] * ma_phase[None, :]
        return rate

    # The agendas are built for blocks of GPs, so that the float64 work arrays stay small
    # (_AGENDA_BLOCK x n_sessions, not n_gps x n_sessions): every step is per GP (per row),
    # except two sums over GPs. The slots per session are summed row by row in GP order, the
    # order of numpy's sum over axis 0 of the whole matrix, so the float sums are the same;
    # the initial backlog is in whole slots, whose float64 sums are exact in any order.
    blocks = [(lo, min(lo + _AGENDA_BLOCK, n)) for lo in range(0, n, _AGENDA_BLOCK)]
    # Share of time left after teleconsultation by territory GPs.
    keep_s = None
    tele = scenario.policies.teleconsultation
    if tele is not None and tele.gp_daily_capacity > 0:
        tstart = _when(scenario, tele.start)
        slots_sum = np.zeros(s_count)  # slots per session, summed over GPs row by row
        for lo, hi in blocks:
            for row in rate_rows(lo, hi):
                slots_sum += row
        per_day_slots = np.add.reduceat(slots_sum, np.arange(0, s_count, 2))
        need = tele.gp_daily_capacity * tele.minutes_per_act / tele.consultation_minutes
        with np.errstate(divide="ignore", invalid="ignore"):
            keep = np.where(
                (days >= tstart) & (per_day_slots > 0),
                np.clip(1.0 - need / per_day_slots, 0.0, 1.0),
                1.0,
            )
        keep_s = keep[sess_day]

    us = scenario.policies.unscheduled_slots
    share = None
    if us is not None and us.reserved_share > 0:
        ustart = _when(scenario, us.start)
        share = np.where(sess_day >= ustart, us.reserved_share, 0.0)
    # Initial backlog: a share of regular slots already booked, falling to 0 over some weeks.
    weeks = pool.initial_booked_weeks
    fill = None
    if pool.initial_booked_share > 0 and weeks > 0:
        t = cal.session_start
        fill = pool.initial_booked_share * np.clip(1.0 - t / (7.0 * weeks), 0.0, 1.0)
    prebooked = np.zeros(s_count)  # booked slots per session (whole numbers)
    limit = np.iinfo(np.int16).max
    for lo, hi in blocks:
        rate = rate_rows(lo, hi)
        if keep_s is not None:
            rate *= keep_s[None, :]
        counts = _floor_diff(rate)
        reserved = _floor_diff(counts * share[None, :]) if share is not None else None
        regular = counts - reserved if reserved is not None else counts
        if fill is not None:
            booked = np.floor(regular * fill[None, :] + 0.5)
            regular = regular - booked
            prebooked += booked.sum(axis=0)
        sup.free[lo:hi] = np.clip(regular, 0, limit).astype(np.int16)
        if reserved is not None:
            sup.reserved[lo:hi] = np.clip(reserved, 0, limit).astype(np.int16)
        sup.offered[lo:hi] = np.clip(counts, 0, limit).astype(np.int16)
    if fill is not None:
        sup.prebooked[:] = prebooked.astype(np.int32)
    sup.reserved_offered[:] = sup.reserved
    sup.extra["pattern"] = pattern
    sup.extra["leave"] = leave
