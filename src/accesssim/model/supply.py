"""GPs, practices and their agendas, built once per replication as numpy arrays.

Everything about supply that is known in advance is computed here: who practises where and
when (roster, generated GPs, their departures and replacements, installations, retirements),
which half-days each GP works, leave weeks, and the number of regular and reserved slots of
every (GP, session) cell, with the gains of medical assistants and the GP time given to
teleconsultation already applied. Only the *free* counts change during the run.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import numpy as np

from accesssim.model import keyed
from accesssim.model.calendar import SessionCalendar
from accesssim.model.params import RunParams
from accesssim.rng import Streams, text_keys

__all__ = ["Supply", "SupplyBuilder", "build_supply"]

_KIND_CODE = {"solo": 0, "group": 1, "msp": 2, "centre": 3}
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
    key: np.ndarray  # uint64 [n]: the GP's key for keyed draws (a hash of its label)
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


class SupplyBuilder:
    """Collects practices and GPs before they become arrays.

    ``practice_index`` maps the scenario's practice ids to practice indices; every GP added
    gets ``slots`` per session (the pool's ``slots_per_session`` unless given).
    """

    def __init__(self, slots_per_session: float) -> None:
        self.p_kind: list[int] = []
        self.p_commune: list[int] = []
        self.practice_index: dict[str, int] = {}
        self.slots_per_session = slots_per_session
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
        kw.setdefault("slots", self.slots_per_session)
        for k, v in kw.items():
            self.gp[k].append(v)
        return len(self.gp["fte"]) - 1


def _roster(params: RunParams, b: SupplyBuilder) -> None:
    """The scenario's practices and the GPs listed one by one."""
    pool = params.gps
    ter = params.territory
    pid = b.practice_index
    for p_id, p_kind, p_commune in pool.practices:
        pid[p_id] = b.practice(p_kind, ter.index(p_commune))
    cap_mean = pool.list_capacity_per_fte.mean
    for g in pool.roster:
        if g.practice is not None:
            prac = pid[g.practice]
            commune = ter.index(g.commune) if g.commune else b.p_commune[prac]
        else:
            commune = ter.index(g.commune)
            prac = b.practice("solo", commune)
        leave = g.leave_day if g.leave_day is not None else _NEVER
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
            start=g.start_day,
            leave=leave,
            label=g.id,
            installed=-1,
        )


def practice_kinds(n: int, shares: tuple[float, ...]) -> list[int]:
    """The kind of practice (index into solo, group, msp, centre) of each generated GP.

    GP ``i`` takes the kind furthest below its share among GPs ``0..i``: every prefix of GPs
    follows the mix within one GP of each kind, and the kind of GP ``i`` never depends on how
    many GPs follow, so adding a GP never regroups the others.
    """
    counts = [0] * len(shares)
    out = []
    for i in range(n):
        deficits = [share * (i + 1) - c for share, c in zip(shares, counts, strict=True)]
        k = max(range(len(shares)), key=lambda j: (deficits[j], -j))
        counts[k] += 1
        out.append(k)
    return out


# Irrational steps of the even quantiles (the golden ratio's and the square root of 2's
# fractional parts), rationally independent so that two attributes are jointly spread.
_STEPS = (0.6180339887498949, 0.41421356237309515)


def _even_quantiles(stream: np.uint64, n: int, which: int) -> np.ndarray:
    """Quantiles of GPs ``i < n`` spread evenly over [0, 1), like stratified draws, where GP
    ``i``'s quantile never depends on how many GPs follow.

    Pairs of GPs ``(2k, 2k + 1)`` take antithetic quantiles ``v_k`` and ``1 - v_k``, and the
    pairs follow a Weyl sequence ``v_k = (v_0 + k * step) mod 1`` with a random start keyed by
    the stream (a Cranley-Patterson rotation): every prefix of pairs covers [0, 1) evenly and
    each pair balances itself, so the territory's total working time and list capacity vary
    little between replications (about as little as with stratified draws, see
    docs/calibration.md).
    """
    start = keyed.uniform(stream, np.uint64(0), 0)
    i = np.arange(n)
    v = (start + (i // 2) * _STEPS[which]) % 1.0
    return np.where(i % 2 == 0, v, np.minimum(1.0 - v, 1.0 - 2.0**-53))


def _generated(params: RunParams, b: SupplyBuilder, horizon: int, streams: Streams) -> None:
    """GPs generated from the pool: practices, FTE, list capacity, departures, successors.

    Generated GP ``i`` is ``gp{i:05d}``; every draw about it is keyed by that name
    (:mod:`accesssim.model.keyed`), and its practice is the ``i``-th GP of its kind's practices
    (:func:`practice_kinds`), filled in order: one more GP changes no other GP.
    """
    pool = params.gps
    ter = params.territory
    n_gen = pool.generated_count
    if n_gen <= 0:
        return
    kinds = ["solo", "group", "msp", "centre"]
    sizes = list(pool.practice_sizes)
    weights = ter.commune_population.astype(float) if ter.insee else None
    if weights is not None and weights.sum() <= 0:
        weights = np.ones(len(ter.insee))
    cum_w = np.cumsum(weights) / weights.sum() if weights is not None else None
    labels = [f"gp{i:05d}" for i in range(n_gen)]
    keys = text_keys(labels)
    place = streams.key("gps.place")
    practices: dict[tuple[int, int], int] = {}
    rank = [0] * len(kinds)
    gp_practice: list[int] = []
    with keyed.wrapping():
        for k in practice_kinds(n_gen, pool.practice_shares):
            ordinal = rank[k] // sizes[k]
            rank[k] += 1
            prac = practices.get((k, ordinal))
            if prac is None:
                commune = 0
                if cum_w is not None:
                    key = text_keys([f"{kinds[k]}:{ordinal}"])[0]
                    u = keyed.uniform(place, key, 0)
                    commune = min(int(np.searchsorted(cum_w, u, side="right")), len(cum_w) - 1)
                prac = practices[(k, ordinal)] = b.practice(kinds[k], commune)
            gp_practice.append(prac)

    def u(name: str) -> np.ndarray:
        return keyed.uniforms(streams.key(name), keys, 0)

    # Working time and list capacity: quantiles spread evenly over the GPs of every prefix
    # (stratified), so the territory's total FTE and list capacity vary little between
    # replications by chance, while GP i's values depend on i alone.
    ftes = np.clip(pool.fte.ppf(_even_quantiles(streams.key("gps.fte"), n_gen, 0)), 0.05, 1.5)
    cap_u = _even_quantiles(streams.key("gps.capacity"), n_gen, 1)
    caps = np.maximum(pool.list_capacity_per_fte.ppf(cap_u), 0.0) * ftes
    accepts = u("gps.open_list") < pool.accepts_new_patients_share
    others = u("gps.sees_others") < pool.sees_other_patients_share
    old = u("gps.age") < pool.aged_60_plus_share
    # Departures: exponential time to leaving at the age-specific annual rate.
    rates = np.where(old, pool.departure_rate_60_plus, pool.departure_rate_under_60)
    u_leave = u("gps.departure")
    u_repl = u("gps.replacement")
    with np.errstate(divide="ignore"):
        t_leave = np.where(rates > 0, -np.log1p(-u_leave) / np.maximum(rates, 1e-300), np.inf)
    leave_days = np.floor(t_leave * 365.0)
    first_gen = len(b.gp["fte"])
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
            label=labels[i],
            installed=-1,
        )
    # Replacements of departing generated GPs (same practice, after a delay).
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
            label=f"{labels[i]}-successor",
            installed=-1,
        )


def build_supply(params: RunParams, cal: SessionCalendar, streams: Streams) -> Supply:
    """All GP arrays and agendas of one replication."""
    b = SupplyBuilder(params.gps.slots_per_session)
    _roster(params, b)
    _generated(params, b, cal.horizon_days, streams)
    # -- GPs added by policies (installations) ------------------------------------------------
    for active in params.policies:
        active.policy.add_gps(active.params, b, params)

    n = len(b.gp["fte"])
    start_day = np.array(b.gp["start"], dtype=np.int32)
    leave_day = np.array(b.gp["leave"], dtype=np.int64).clip(max=_NEVER).astype(np.int32)
    old = np.array(b.gp["old"], dtype=bool)
    labels: list[str] = list(b.gp["label"])

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
        key=text_keys(labels),
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
    # Policies: departures (retirements), then the GPs taking part in each policy.
    for active in params.policies:
        active.policy.set_departures(active.params, sup, params, streams)
    for active in params.policies:
        active.policy.choose_gps(active.params, sup, streams)
    _build_agendas(params, cal, sup, np.array(b.gp["slots"], dtype=float), streams)
    return sup


def _leave_mask(
    weeks: float, cal: SessionCalendar, keys: np.ndarray, streams: Streams
) -> np.ndarray:
    """bool [n, n_days]: GP on leave (whole weeks: 3 in summer, the rest one week at a time).

    Every draw is keyed by the GP (``keys``) and the year: one more GP changes no other GP's
    leave.
    """
    n = keys.size
    mask = np.zeros((n, cal.n_days), dtype=bool)
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
        # One stream per year and purpose, keyed by GP.
        u_weeks = keyed.uniforms(streams.key(f"gps.leave.{year}.weeks"), keys, 0)
        n_weeks = np.floor(weeks + u_weeks).astype(int)
        u_summer = keyed.uniforms(streams.key(f"gps.leave.{year}.summer"), keys, 0)
        summer_start = (
            np.array(summer)[np.minimum((u_summer * len(summer)).astype(int), len(summer) - 1)]
            if summer
            else np.zeros(n, int)
        )
        other = keyed.uniforms_2d(streams.key(f"gps.leave.{year}.other"), keys, 52)
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
    params: RunParams,
    cal: SessionCalendar,
    sup: Supply,
    slots: np.ndarray,
    streams: Streams,
) -> None:
    """Every GP's weekly pattern, leave, and free slots per session.

    Policies shape the slots: ``slot_gain`` multiplies a GP's slots (medical assistants),
    ``time_kept`` keeps a share of GP time for office slots (teleconsultation by territory
    GPs), ``reserved_share`` keeps a share of each session for unscheduled care.
    """
    n, s_count = sup.n, cal.n_sessions
    if n == 0:
        return
    pool = params.gps
    open_week = np.array(params.calendar.open_mask, dtype=bool).reshape(-1)  # 14
    open_idx = np.flatnonzero(open_week)
    u_count = keyed.uniforms(streams.key("gps.pattern.count"), sup.key, 0)
    per_week = np.floor(pool.sessions_per_week * sup.fte + u_count).astype(int)
    per_week = np.clip(per_week, 1, open_idx.size)
    pattern = np.zeros((n, 14), dtype=bool)
    # One key per half-day of the week (14), whichever are open: keyed by GP.
    keys = keyed.uniforms_2d(streams.key("gps.pattern.days"), sup.key, 14)[:, open_idx]
    # Each GP works the per_week[g] open half-days that come first in the order of its keys.
    first = np.argsort(keys, axis=1)
    chosen = np.arange(open_idx.size)[None, :] < per_week[:, None]
    rows = np.broadcast_to(np.arange(n)[:, None], first.shape)
    pattern[rows[chosen], open_idx[first[chosen]]] = True

    leave = _leave_mask(pool.weeks_of_leave, cal, sup.key, streams)
    days = np.arange(cal.n_days)
    wd = cal.weekday.astype(int)
    active = (sup.start_day[:, None] <= days[None, :]) & (days[None, :] < sup.leave_day[:, None])
    works_day = active & ~leave  # [n, n_days]
    # works[g, s]: pattern for (weekday, half) of session s, the session is open, GP works.
    week_slot = (wd[:, None] * 2 + np.array([0, 1])[None, :]).reshape(-1)  # [n_sessions]
    policies = [(a.policy, a.params) for a in params.policies]
    gains = [g for pol, p in policies if (g := pol.slot_gain(p, sup, cal)) is not None]

    def rate_rows(lo: int, hi: int) -> np.ndarray:
        """Slot rate of GPs lo..hi-1 per session: base x policy gains (float64)."""
        works = (
            pattern[lo:hi][:, week_slot]
            & cal.session_open[None, :]
            & np.repeat(works_day[lo:hi], 2, axis=1)
        )
        rate = np.where(works, slots[lo:hi, None], 0.0)
        for gain, phase in gains:
            rate *= 1.0 + gain[lo:hi, None] * phase[None, :]
        return rate

    # The agendas are built for blocks of GPs, so that the float64 work arrays stay small
    # (_AGENDA_BLOCK x n_sessions, not n_gps x n_sessions): every step is per GP (per row),
    # except two sums over GPs. The slots per session are summed row by row in GP order, the
    # order of numpy's sum over axis 0 of the whole matrix, so the float sums are the same;
    # the initial backlog is in whole slots, whose float64 sums are exact in any order.
    blocks = [(lo, min(lo + _AGENDA_BLOCK, n)) for lo in range(0, n, _AGENDA_BLOCK)]

    def slots_per_day() -> np.ndarray:
        slots_sum = np.zeros(s_count)  # slots per session, summed over GPs row by row
        for lo, hi in blocks:
            for row in rate_rows(lo, hi):
                slots_sum += row
        return np.add.reduceat(slots_sum, np.arange(0, s_count, 2))

    # Share of GP time kept for office slots (e.g. after teleconsultation by territory GPs).
    keep_s = None
    for pol, p in policies:
        keep = pol.time_kept(p, cal, slots_per_day)
        if keep is not None:
            keep_s = keep if keep_s is None else keep_s * keep
    # Share of each session kept for unscheduled care.
    share = None
    for pol, p in policies:
        part = pol.reserved_share(p, cal)
        if part is not None:
            share = part if share is None else np.minimum(share + part, 1.0)
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
