"""The booking kernel's state, as a handful of typed records of numpy arrays.

Each record is a ``typing.NamedTuple`` of arrays (or, for :class:`KernelParams`, of scalars):
numba passes them to jitted functions natively (one argument instead of a dozen), keeps its
on-disk cache, and the same source runs as plain Python with ``NUMBA_DISABLE_JIT=1``. The
arrays are shared, not copied: the kernel updates agendas, lists, pools and tallies in place.

The ``tiny_*`` builders make small hand-built states for unit tests of single cascade steps.
"""

from __future__ import annotations

import itertools
import typing
from typing import NamedTuple

import numpy as np

from accesssim.vocabulary import (
    HOUR_BANDS,
    N_DAY_PARTS,
    Act,
    CommuneTally,
    Counter,
    Daily,
    FSum,
    Kind,
    Outcome,
    PayClass,
    Weekly,
)

__all__ = [
    "Agenda",
    "Candidates",
    "Carry",
    "GPState",
    "KernelParams",
    "Outputs",
    "Pending",
    "People",
    "Pools",
    "Queue",
    "Requests",
    "Tallies",
    "new_carry",
    "new_outputs",
    "new_pending",
    "new_tallies",
    "tiny_agenda",
    "tiny_candidates",
    "tiny_gps",
    "tiny_params",
    "tiny_people",
    "tiny_pools",
    "tiny_requests",
]

MAX_WAIT_DAYS = 400
"""Waits of more days than this fall in the last bin of the wait histogram."""


class Requests(NamedTuple):
    """One day's requests, sorted by arrival time (columns of equal length).

    The uniform columns (``u_*`` and ``choice``) are either given for every request (requests
    built by hand, in tests) or all empty: the kernel then draws each uniform when a step reads
    it, keyed by the request's event key (``root``, ``attempt``) in the stream whose key is in
    :class:`KernelParams` (``key_*``), the numbers the demand generator would have drawn."""

    t: np.ndarray  # float64, days from day 0
    person: np.ndarray  # int32
    kind: np.ndarray  # uint8: Kind
    desired: np.ndarray  # int32, desired earliest day (planned); arrival day otherwise
    patience: np.ndarray  # float32, days past the desired day (planned)
    u_sev: np.ndarray  # float32 uniforms: severity (ED if below the ED share)
    u_tele: np.ndarray  # float32: teleconsultation eligibility
    u_pharm: np.ndarray  # float32: goes to a pharmacist
    choice: np.ndarray  # uint64: key of the distance-weighted choice of another GP
    u_enrol: np.ndarray  # float32: asks to enrol after a consultation
    u_nurse: np.ndarray  # float32: follow-up taken by a policy nurse
    minor: np.ndarray  # uint8: 0 none, 1 sore throat, 2 cystitis
    home: np.ndarray  # uint8: home visit (two slots)
    root: np.ndarray  # uint64: the need's key (its first request's event key)
    attempt: np.ndarray  # uint8: 0 for a need's first request, k for its k-th asking again
    origin: np.ndarray  # uint8: 0 a new need, 1 a follow-up after a remote/pharmacist act
    t0: np.ndarray  # float64: time of the need's first request (days)
    u_direct: np.ndarray  # float32: goes straight to the ED (if below the direct share)
    u_next: np.ndarray  # float32: asks again (forgone) or needs a follow-up (remote act)
    u_delay: np.ndarray  # float32: delay before asking again
    u_first: np.ndarray  # float32: tries a teleconsultation first


DRAW_KEYS = (
    "key_sev",
    "key_tele",
    "key_pharm",
    "key_choice",
    "key_enrol",
    "key_nurse",
    "key_direct",
    "key_next",
    "key_delay",
    "key_first",
)
"""Fields of :class:`KernelParams` holding the stream keys of a request's uniforms."""


class People(NamedTuple):
    """The inhabitants (index = person id)."""

    mt: np.ndarray  # int32, declared GP, -1 for none
    age: np.ndarray  # uint8, years
    band: np.ndarray  # uint8, age band
    ald: np.ndarray  # bool, long-term condition (ALD)
    female: np.ndarray  # bool
    commune: np.ndarray  # int32


class GPState(NamedTuple):
    """The GPs (index = GP id) and their practices."""

    active: np.ndarray  # uint8: practising today
    accepts: np.ndarray  # uint8: takes new MT patients today (while under capacity)
    cap_eff: np.ndarray  # int32: list capacity today (adults)
    list_size: np.ndarray  # int32: adults on the list
    list_ald: np.ndarray  # int32: adults with an ALD on the list
    practice: np.ndarray  # int32: practice of each GP
    prac_ptr: np.ndarray  # int32 [n_practices + 1]: CSR offsets of practice members
    prac_members: np.ndarray  # int32: GP ids, practice by practice
    rota: np.ndarray  # uint8: reserved slots on the shared rota
    nurse: np.ndarray  # uint8: works with a policy nurse
    sees_others: np.ndarray  # uint8: sees occasional patients' unscheduled needs
    sees_others_planned: np.ndarray  # uint8: sees occasional patients' planned requests


class Candidates(NamedTuple):
    """Per commune, GPs in order of distance with cumulative choice weights (CSR)."""

    ptr: np.ndarray  # int64 [n_communes + 1]
    gp: np.ndarray  # int32
    w: np.ndarray  # float64: choice weight of each candidate (exp(-distance / decay))
    end: np.ndarray  # int64: where the candidate's group (GPs at the same distance) ends
    key: np.ndarray  # uint64: the key of the candidate's group
    gkey: np.ndarray  # uint64: the candidate GP's own key (mixed)


class GPLists(NamedTuple):
    """The candidate lists the booking reads: GPs who see occasional patients (``others``) and
    the GPs of the shared rota (``rota``)."""

    others: Candidates
    rota: Candidates


class Agenda(NamedTuple):
    """Free slots of every (GP, half-day session) and the session calendar."""

    free: np.ndarray  # int16 [G, S]: free regular slots
    resv: np.ndarray  # int16 [G, S]: free reserved slots
    sess_start: np.ndarray  # float64 [S]: start of each session (days)
    rel_time: np.ndarray  # float64 [S]: release time of each session's reserved slots
    sess_resv: np.ndarray  # uint8 [S]: the session has reserved slots
    cursor: np.ndarray  # int64 [1]: next session whose reserved slots are not released
    appts: np.ndarray  # int32 [S]: appointments booked per session (backlog)


class Pools(NamedTuple):
    """Capacities per day that do not live in GP agendas, and teleconsultation eligibility."""

    tele_gp: np.ndarray  # int32 [days]: teleconsultations left by territory GPs
    tele_platform: np.ndarray  # int32 [days]: teleconsultations left on the platform
    nurse: np.ndarray  # int32 [days]: policy-nurse follow-ups left
    tele_elig: np.ndarray  # float64 [3 kinds, 4 bands]: eligible share
    tele_first: np.ndarray  # float64 [4 bands]: eligible requests trying teleconsultation first
    ed_direct: np.ndarray  # float64 [3 kinds, 4 bands, 4 hour bands]: straight to the ED
    ooh_period: np.ndarray  # int32 [days x 24]: out-of-hours period of each hour, -1 if none
    ooh_left: np.ndarray  # int32 [periods]: out-of-hours acts left in each period


class KernelParams(NamedTuple):
    """Scalar parameters of the booking kernel, in model units (days, shares, ages)."""

    warmup: int  # first measured day
    horizon: int  # first day after the run
    n_sessions: int
    n_weeks: int
    max_wait: int  # last bin of the wait histogram (days)
    am: float  # morning session start (fraction of a day)
    pm: float  # afternoon session start
    tele_hour: float  # earliest time of a teleconsultation in a day (fraction of a day)
    mt_tolerance: int  # days past the desired day a planned request waits for its own MT
    tries_other: int  # 1: unscheduled needs of patients with an MT try other GPs
    max_tries: int  # candidate GPs tried per request
    lose: int  # 1: reserved slots still free at release are lost
    rota_start: int  # first day of the shared rota (a huge day when there is none)
    rota_end: int  # first day without it
    pharm_start: int
    pharm_end: int
    pharm_share: float
    sore_min_age: int
    cyst_min_age: int
    cyst_max_age: int
    nurse_start: int
    nurse_end: int
    nurse_share: float
    enrol_share: float
    ed_share_24h: float
    ed_share_48h: float
    start_weekday: int  # weekday of day 0 (0 = Monday)
    sas: int  # 1: the SAS routes unmet unscheduled needs to rota slots within sas_window
    sas_window: float  # days
    repeat_share: float  # forgone unscheduled needs that ask again
    repeat_max: int  # requests of a need at most (the first included)
    repeat_lo: float  # delay before asking again: uniform in [repeat_lo, repeat_hi] days
    repeat_hi: float
    tele_followup: float  # teleconsultations needing an in-person follow-up
    pharm_followup: float  # pharmacist acts needing an in-person follow-up
    tele_first_no_mt: float  # factor on tele_first for patients without an active MT
    # Stream keys of a request's uniforms, drawn when a step reads them from the request's
    # event key (requests whose uniform columns are empty: those of the demand generator).
    key_sev: np.uint64
    key_tele: np.uint64
    key_pharm: np.uint64
    key_choice: np.uint64
    key_enrol: np.uint64
    key_nurse: np.uint64
    key_direct: np.uint64
    key_next: np.uint64
    key_delay: np.uint64
    key_first: np.uint64


class Outputs(NamedTuple):
    """Per-request results of one day (the kernel writes every element)."""

    outcome: np.ndarray  # uint8: Outcome
    time: np.ndarray  # float64: appointment time (days), -1 when not seen
    gp: np.ndarray  # int32: GP seen, -1 for none
    asked: np.ndarray  # float64: when the request was asked (booked), days


class Carry(NamedTuple):
    """Requests a day's booking creates for later days: needs asked again after going without
    care, and in-person follow-ups after a teleconsultation or a pharmacist act. One row per
    request at most; the engine turns them into requests of their day
    (:mod:`accesssim.model.demand`)."""

    root: np.ndarray  # uint64: the need's key (follow-up: the parent's event key)
    person: np.ndarray  # int32
    kind: np.ndarray  # uint8
    attempt: np.ndarray  # uint8: attempt of the new request
    origin: np.ndarray  # uint8: 0 asked again, 1 a follow-up (a new need)
    t: np.ndarray  # float64: arrival time of the new request
    t0: np.ndarray  # float64: first request of the need (follow-up: = t)
    n: np.ndarray  # int64 [1]: rows written


class Pending(NamedTuple):
    """Requests carried to later days (rows of :class:`Carry`), kept until their day: a chain of
    rows per day, in the order they were carried (day by day, each day's rows in its ``Carry``
    order). Rows are appended at the end; a day's rows are read once, on that day."""

    root: np.ndarray  # uint64
    person: np.ndarray  # int32
    kind: np.ndarray  # uint8
    attempt: np.ndarray  # uint8
    origin: np.ndarray  # uint8
    t: np.ndarray  # float64
    t0: np.ndarray  # float64
    after: np.ndarray  # int64 [rows]: the next row of the same day, -1 for the last
    head: np.ndarray  # int64 [days]: the first row of each day, -1 when none
    tail: np.ndarray  # int64 [days]: the last row of each day
    n: np.ndarray  # int64 [2]: rows written, rows waiting


class Queue(NamedTuple):
    """The day's requests that wait for practices to open, in the order they will be asked
    (times non-decreasing): which record (0 the day's new requests, 1 carried ones), the row,
    and the time."""

    src: np.ndarray  # uint8
    idx: np.ndarray  # int32
    t: np.ndarray  # float64
    n: np.ndarray  # int64 [1]: rows written


N_HOUR_BANDS = len(HOUR_BANDS)


class Tallies(NamedTuple):
    """What the kernel counts over the run."""

    counts: np.ndarray  # int64 [2, 4, N_OUTCOMES]: [whole run, measured] x kind x outcome
    hist: np.ndarray  # int64 [3, MAX_WAIT_DAYS + 1]: days to the appointment, measured
    counters: np.ndarray  # int64 [len(Counter)]
    fsums: np.ndarray  # float64 [len(FSum)]
    weekly: np.ndarray  # float64 [weeks, len(Weekly)]
    acts_gp: np.ndarray  # int64 [G]: measured acts of each GP
    commune: np.ndarray  # int64 [n_communes, len(CommuneTally)]: measured, by patient's commune
    weekday: np.ndarray  # int64 [4 kinds, 7, N_OUTCOMES]: measured, by weekday of arrival
    hour: np.ndarray  # int64 [4 kinds, 4 hour bands, N_OUTCOMES]: measured, by hour of arrival
    daily: np.ndarray  # int64 [n_days, len(Daily)]: by day of arrival, every day of the run
    acts: np.ndarray  # int32 [N_DAY_PARTS * n_days, len(Act), len(PayClass)]: acts by day and
    # part of the day (N_DAY_PARTS * day + part, vocabulary.DAY_PARTS), item and patient class


def new_tallies(n_gps: int, n_weeks: int, n_communes: int = 1, n_days: int = 0) -> Tallies:
    """Zeroed tallies for ``n_gps`` GPs, ``n_weeks`` weeks, ``n_communes`` communes and
    ``n_days`` days (the horizon)."""
    n_kinds, n_out = len(Kind), len(Outcome)
    return Tallies(
        counts=np.zeros((2, n_kinds, n_out), dtype=np.int64),
        hist=np.zeros((3, MAX_WAIT_DAYS + 1), dtype=np.int64),
        counters=np.zeros(len(Counter), dtype=np.int64),
        fsums=np.zeros(len(FSum), dtype=np.float64),
        weekly=np.zeros((n_weeks, len(Weekly)), dtype=np.float64),
        acts_gp=np.zeros(n_gps, dtype=np.int64),
        commune=np.zeros((max(n_communes, 1), len(CommuneTally)), dtype=np.int64),
        weekday=np.zeros((n_kinds, 7, n_out), dtype=np.int64),
        hour=np.zeros((n_kinds, N_HOUR_BANDS, n_out), dtype=np.int64),
        daily=np.zeros((max(n_days, 1), len(Daily)), dtype=np.int64),
        acts=np.zeros((N_DAY_PARTS * max(n_days, 1), len(Act), len(PayClass)), dtype=np.int32),
    )


def new_outputs(n: int) -> Outputs:
    """Per-request output arrays of length ``n``."""
    return Outputs(
        outcome=np.zeros(n, np.uint8), time=np.zeros(n), gp=np.zeros(n, np.int32), asked=np.zeros(n)
    )


def new_carry(n: int) -> Carry:
    """Room for ``n`` carried requests."""
    return Carry(
        root=np.zeros(n, np.uint64),
        person=np.zeros(n, np.int32),
        kind=np.zeros(n, np.uint8),
        attempt=np.zeros(n, np.uint8),
        origin=np.zeros(n, np.uint8),
        t=np.zeros(n),
        t0=np.zeros(n),
        n=np.zeros(1, np.int64),
    )


def new_pending(n: int, days: int) -> Pending:
    """Room for ``n`` rows carried to any of ``days`` days, none waiting."""
    rows = new_carry(n)
    return Pending(
        **{name: getattr(rows, name) for name in Carry._fields if name != "n"},
        after=np.full(n, -1, np.int64),
        head=np.full(days, -1, np.int64),
        tail=np.full(days, -1, np.int64),
        n=np.zeros(2, np.int64),
    )


def new_queue(n: int) -> Queue:
    """Room for ``n`` requests waiting for practices to open."""
    return Queue(
        src=np.zeros(n, np.uint8),
        idx=np.zeros(n, np.int32),
        t=np.zeros(n),
        n=np.zeros(1, np.int64),
    )


def no_requests() -> Requests:
    """A record of zero requests (days without carried requests)."""
    return tiny_requests(t=[])


# -- tiny hand-built states, for unit tests of single steps ---------------------------------


def tiny_requests(**cols: object) -> Requests:
    """Requests from columns given as lists (the others default to one planned request)."""
    n = len(next(iter(cols.values()))) if cols else 1  # type: ignore[arg-type]
    defaults: dict[str, tuple[object, type]] = {
        "t": (0.3, np.float64),
        "person": (0, np.int32),
        "kind": (0, np.uint8),
        "desired": (0, np.int32),
        "patience": (30.0, np.float32),
        "u_sev": (0.5, np.float32),
        "u_tele": (0.5, np.float32),
        "u_pharm": (0.5, np.float32),
        "choice": (0, np.uint64),
        "u_enrol": (0.5, np.float32),
        "u_nurse": (0.5, np.float32),
        "minor": (0, np.uint8),
        "home": (0, np.uint8),
        "root": (0, np.uint64),
        "attempt": (0, np.uint8),
        "origin": (0, np.uint8),
        "t0": (None, np.float64),
        "u_direct": (1.0, np.float32),
        "u_next": (1.0, np.float32),
        "u_delay": (0.0, np.float32),
        "u_first": (1.0, np.float32),
    }
    out = {}
    for name, (value, dtype) in defaults.items():
        if name == "t0" and name not in cols:
            out[name] = out["t"].astype(dtype)
            continue
        out[name] = np.asarray(cols.get(name, [value] * n), dtype=dtype)
    return Requests(**out)


def tiny_people(
    mt: list[int], age: list[int] | None = None, commune: list[int] | None = None, **kw: list
) -> People:
    """People with the given MTs (ages 40, commune 0, no ALD, male unless given)."""
    n = len(mt)
    age_a = np.asarray(age if age is not None else [40] * n, dtype=np.uint8)
    band = np.searchsorted(np.array([16, 60, 75]), age_a, side="right").astype(np.uint8)
    return People(
        mt=np.asarray(mt, dtype=np.int32),
        age=age_a,
        band=band,
        ald=np.asarray(kw.get("ald", [False] * n), dtype=np.bool_),
        female=np.asarray(kw.get("female", [False] * n), dtype=np.bool_),
        commune=np.asarray(commune if commune is not None else [0] * n, dtype=np.int32),
    )


def tiny_gps(practice: list[int], **kw: list) -> GPState:
    """GPs of the given practices (all active, accepting, room on their lists, on the rota)."""
    n = len(practice)
    prac = np.asarray(practice, dtype=np.int32)
    n_p = int(prac.max()) + 1 if n else 0
    counts = np.bincount(prac, minlength=n_p)
    ptr = np.zeros(n_p + 1, dtype=np.int32)
    ptr[1:] = np.cumsum(counts)

    def u8(name: str, value: int) -> np.ndarray:
        return np.asarray(kw.get(name, [value] * n), dtype=np.uint8)

    return GPState(
        active=u8("active", 1),
        accepts=u8("accepts", 1),
        cap_eff=np.asarray(kw.get("cap_eff", [1000] * n), dtype=np.int32),
        list_size=np.asarray(kw.get("list_size", [0] * n), dtype=np.int32),
        list_ald=np.zeros(n, dtype=np.int32),
        practice=prac,
        prac_ptr=ptr,
        prac_members=np.argsort(prac, kind="stable").astype(np.int32),
        rota=u8("rota", 1),
        nurse=u8("nurse", 0),
        sees_others=u8("sees_others", 1),
        sees_others_planned=u8("sees_others_planned", 1),
    )


def tiny_candidates(per_commune: list[list[int]]) -> Candidates:
    """Candidate lists per commune, in the order given; only the first has a weight, so the
    distance-weighted start is always the first candidate (the others are tried after it)."""
    ptr = np.zeros(len(per_commune) + 1, dtype=np.int64)
    ptr[1:] = np.cumsum([len(c) for c in per_commune])
    gps = np.asarray([g for c in per_commune for g in c], dtype=np.int32)
    w = np.concatenate([[1.0] + [0.0] * (len(c) - 1) for c in per_commune if c] or [np.zeros(0)])
    # Groups: the first candidate alone, then the others together.
    end = np.concatenate(
        [[lo + 1] + [hi] * (hi - lo - 1) for lo, hi in itertools.pairwise(ptr)] or [np.zeros(0)]
    )
    return Candidates(
        ptr=ptr,
        gp=gps,
        w=np.asarray(w, dtype=np.float64),
        end=np.asarray(end, dtype=np.int64),
        key=np.arange(gps.size, dtype=np.uint64),
        gkey=np.arange(1, gps.size + 1, dtype=np.uint64) * np.uint64(0x9E3779B97F4A7C15),
    )


def tiny_agenda(free: list[list[int]], resv: list[list[int]] | None = None) -> Agenda:
    """An agenda of free (and reserved) slots, GP x session; sessions at 08:00 and 14:00."""
    f = np.asarray(free, dtype=np.int16)
    r = np.asarray(resv, dtype=np.int16) if resv is not None else np.zeros_like(f)
    n_s = f.shape[1]
    start = (np.arange(n_s) // 2 + np.where(np.arange(n_s) % 2 == 0, 8 / 24, 14 / 24)).astype(
        np.float64
    )
    return Agenda(
        free=f,
        resv=r,
        sess_start=start,
        rel_time=start.copy(),
        sess_resv=(r.sum(axis=0) > 0).astype(np.uint8),
        cursor=np.zeros(1, dtype=np.int64),
        appts=np.zeros(n_s, dtype=np.int32),
    )


def tiny_pools(
    days: int,
    tele_gp: int = 0,
    tele_platform: int = 0,
    nurse: int = 0,
    ooh_hours: tuple[tuple[float, float], ...] = (),
    ooh_acts: int = 0,
) -> Pools:
    """Pools with the same capacity every day; every request eligible for teleconsultation,
    none tries it first, none goes straight to the ED. ``ooh_hours``: out-of-hours periods as
    (start, end) times in days, each with ``ooh_acts`` acts."""
    period = np.full(days * 24, -1, dtype=np.int32)
    for i, (lo, hi) in enumerate(ooh_hours):
        period[int(round(lo * 24)) : int(round(hi * 24))] = i
    return Pools(
        tele_gp=np.full(days, tele_gp, dtype=np.int32),
        tele_platform=np.full(days, tele_platform, dtype=np.int32),
        nurse=np.full(days, nurse, dtype=np.int32),
        tele_elig=np.ones((3, 4), dtype=np.float64),
        tele_first=np.zeros(4, dtype=np.float64),
        ed_direct=np.zeros((3, 4, N_HOUR_BANDS), dtype=np.float64),
        ooh_period=period,
        ooh_left=np.full(max(len(ooh_hours), 1), ooh_acts, dtype=np.int32),
    )


def tiny_params(days: int, **kw: float) -> KernelParams:
    """Kernel parameters for a ``days``-day agenda measured from day 0; override any field."""
    base = {
        "warmup": 0,
        "horizon": days,
        "n_sessions": 2 * days,
        "n_weeks": max(1, -(-days // 7)),
        "max_wait": MAX_WAIT_DAYS,
        "am": 8 / 24,
        "pm": 14 / 24,
        "tele_hour": 8 / 24,
        "mt_tolerance": 0,
        "tries_other": 1,
        "max_tries": 30,
        "lose": 0,
        "rota_start": 0,
        "rota_end": 10**9,
        "pharm_start": 10**9,
        "pharm_end": 10**9,
        "pharm_share": 0.0,
        "sore_min_age": 10,
        "cyst_min_age": 16,
        "cyst_max_age": 65,
        "nurse_start": 10**9,
        "nurse_end": 10**9,
        "nurse_share": 0.0,
        "enrol_share": 0.0,
        "ed_share_24h": 0.0,
        "ed_share_48h": 0.0,
        "start_weekday": 0,
        "sas": 0,
        "sas_window": 2.0,
        "repeat_share": 0.0,
        "repeat_max": 1,
        "repeat_lo": 1.0,
        "repeat_hi": 1.0,
        "tele_followup": 0.0,
        "pharm_followup": 0.0,
        "tele_first_no_mt": 1.0,
        **dict.fromkeys(DRAW_KEYS, 0),
    }
    base.update(kw)
    return KernelParams(**typed_params(base))


def typed_params(values: dict[str, float]) -> dict[str, int | float]:
    """``values`` with each field cast to its declared type (numba compiles one signature)."""
    hints = typing.get_type_hints(KernelParams)
    return {name: hints[name](values[name]) for name in KernelParams._fields}
