"""The booking kernel: records of arrays in, arrays out, compiled with numba (``cache=True``).

The source is plain Python over numpy arrays; with ``NUMBA_DISABLE_JIT=1`` it runs as is
(slowly), which a test does. No Python object is created per request: a day's requests are
columns of arrays sorted by arrival time (:class:`~accesssim.model.records.Requests`), agendas
are ``int16`` matrices of free slots (GP x session), lists and flags are integer vectors, and
results go into preallocated tallies. The state comes in a few records
(:mod:`accesssim.model.records`); the integer codes of kinds, outcomes, counters and weekly
columns come from :mod:`accesssim.vocabulary`.

The booking cascade (docs/model.md, section 2.1), one small function per step:

* an emergency primary care could not handle goes to the ED (outcome ``ED_DIRECT``);
* an unscheduled need may go straight to the ED whatever the agendas
  (:func:`goes_straight_to_ed`: a share by severity, age band and hour band);
* planned request: :func:`step_nurse` (ALD follow-up, if the MT works with a policy nurse);
* an eligible patient may try a teleconsultation first (:func:`tries_teleconsultation_first`,
  :func:`step_teleconsultation`);
* :func:`step_own_mt` (planned: regular slot within the continuity tolerance past the desired
  day; unscheduled: reserved or regular slot before the deadline) -> :func:`step_practice` (the
  earliest slot of the MT or a colleague of its practice) -> :func:`step_other_gps` (other GPs
  who see occasional patients, from a distance-weighted start; a patient without an MT may also
  see a GP who takes new MT patients and has room) -> :func:`step_rota` (any participating GP's
  reserved slot, unscheduled) -> :func:`step_sas` (the SAS: a rota GP's slot within its window);
* unscheduled need arising out of hours: :func:`step_out_of_hours` (the period's acts);
* teleconsultation (if not tried first) -> :func:`pharmacist_eligible` (eligible minor need)
  -> :func:`ed_or_forgone` (the ED after a failed search if severe enough, else forgone);
* a forgone unscheduled need may ask again later (:func:`ask_again`: a row of the carry record,
  booked on its day); a teleconsultation or pharmacist act may need an in-person follow-up
  (:func:`follow_up`); a patient without an MT seen by a GP who takes new patients may enrol
  (:func:`enrol_after_visit`).

:func:`book_day` runs the cascade (:func:`book_one`) for each request of a day in arrival order,
the day's new requests merged with those carried from earlier days, then :func:`record` files
the outcome in the tallies.
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

from accesssim.model import keyed
from accesssim.vocabulary import (
    ALD_OFFSET,
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
    "ask_again",
    "assign_mt",
    "book_day",
    "book_one",
    "ed_or_forgone",
    "enrol_after_visit",
    "event_key",
    "first_session_after",
    "follow_up",
    "goes_straight_to_ed",
    "hour_band",
    "pharmacist_eligible",
    "record",
    "record_act",
    "release_until",
    "request_window",
    "step_nurse",
    "step_other_gps",
    "step_out_of_hours",
    "step_own_mt",
    "step_practice",
    "step_rota",
    "step_sas",
    "step_teleconsultation",
    "third_next_available",
    "tries_teleconsultation_first",
    "waits_until_open",
    "when_open",
]

# Integer codes, read as compile-time constants by numba (their names: accesssim.vocabulary).
PLANNED, U24, U48 = int(Kind.PLANNED), int(Kind.U24), int(Kind.U48)
EMERGENCY = int(Kind.EMERGENCY)
OWN_MT, OTHER_GP, TELE = int(Outcome.OWN_MT), int(Outcome.OTHER_GP), int(Outcome.TELE)
PHARMACIST, NURSE, ED = int(Outcome.PHARMACIST), int(Outcome.NURSE), int(Outcome.ED)
FORGONE, PENDING = int(Outcome.FORGONE), int(Outcome.PENDING)
ED_DIRECT, OUT_OF_HOURS = int(Outcome.ED_DIRECT), int(Outcome.OUT_OF_HOURS)
RETRY = int(Outcome.RETRY)
C_SAS, C_TELE_FIRST = int(Counter.SAS), int(Counter.TELE_FIRST)
C_TELE_15_44, C_PLATFORM_NO_MT = int(Counter.TELE_15_44), int(Counter.PLATFORM_NO_MT)
C_REPEAT, C_FOLLOWUP = int(Counter.REPEAT), int(Counter.FOLLOWUP)
FOLLOWUP_TAG = 255
"""Counter that keys a follow-up's need from its parent request (attempts are below it)."""
ORIGIN_FOLLOWUP, ORIGIN_DEFERRED = 1, 2
"""Bits of ``Requests.origin``: an in-person follow-up; a need that arose out of hours and
waited for practices to open (it keeps its request's draws; its 24 h / 48 h targets still run
from its onset, ``t0``)."""
CARRIED = 255
"""Output of a request that waits for practices to open on a later day (it is booked, and
logged, on that day)."""
DEFER_EPS = 1e-6
"""Needs waiting for practices to open are asked just before they open, in the order they
arose: ``opening - DEFER_EPS x (opening - onset)`` (under 0.2 s before the opening)."""
C_DEFERRED = int(Counter.DEFERRED)
C_ENROL, C_COLLEAGUE, C_OTHER = int(Counter.ENROL), int(Counter.COLLEAGUE), int(Counter.OTHER)
C_ROTA, C_OWN_RESERVED = int(Counter.ROTA), int(Counter.OWN_RESERVED)
C_TELE_GP, C_TELE_PLATFORM = int(Counter.TELE_GP), int(Counter.TELE_PLATFORM)
C_HOME, C_RELEASED = int(Counter.HOME), int(Counter.RELEASED)
C_RESERVED_USED = int(Counter.RESERVED_USED)
C_U24_MET, C_U48_MET = int(Counter.U24_MET), int(Counter.U48_MET)
W_REQUESTS, W_PLANNED = int(Weekly.REQUESTS), int(Weekly.PLANNED)
W_PLANNED_SEEN, W_PLANNED_WAIT = int(Weekly.PLANNED_SEEN), int(Weekly.PLANNED_WAIT)
W_UNSCHED, W_U24_MET, W_U48_MET = int(Weekly.UNSCHEDULED), int(Weekly.U24_MET), int(Weekly.U48_MET)
W_ED, W_FORGONE, W_TELE = int(Weekly.ED), int(Weekly.FORGONE), int(Weekly.TELE)
K_UNSCHED, K_U48_MET, K_ED = (
    int(CommuneTally.UNSCHEDULED),
    int(CommuneTally.U48_MET),
    int(CommuneTally.ED),
)
F_WAIT, F_EXCESS, F_EXCESS_N = int(FSum.WAIT_PLANNED), int(FSum.EXCESS), int(FSum.EXCESS_N)
D_UNSCHED, D_U48_MET, D_ED = int(Daily.UNSCHEDULED), int(Daily.U48_MET), int(Daily.ED)
A_OFFICE, A_HOME, A_TELE_GP = int(Act.OFFICE), int(Act.HOME), int(Act.TELE_GP)
A_TELE_PLATFORM, A_PHARMACIST, A_NURSE = int(Act.TELE_PLATFORM), int(Act.PHARMACIST), int(Act.NURSE)
A_ED, A_SAS, A_OOH = int(Act.ED), int(Act.SAS), int(Act.OUT_OF_HOURS)
P_PATHWAY, P_URGENT = int(PayClass.ADULT_PATHWAY), int(PayClass.ADULT_URGENT)
P_OUTSIDE, P_CHILD, P_INFANT = (
    int(PayClass.ADULT_OUTSIDE),
    int(PayClass.CHILD),
    int(PayClass.INFANT),
)
P_ALD = int(ALD_OFFSET)
N_PARTS = int(N_DAY_PARTS)
NEVER = 10**9
"""A day that never comes (the start of a policy that is off)."""

JIT = {"cache": True, "_nrt": False, "nogil": True}
"""Compilation options of every kernel function. ``cache``: compiled once, then loaded from
``__pycache__``. ``_nrt=False``: numba's reference counting is off. The kernel never allocates
(it writes into arrays it is given), so the counts are not needed; with them, every record
passed to a step (or a field read from it) costs atomic increments and decrements of each of
its arrays' counts, which made the booking loop about ten times slower (measured on one day of
1 M inhabitants: 13 ms against 1.1 ms). ``nogil``: the booking runs while another thread
draws the next day's requests."""

# Prefetch distances (requests ahead): people's attributes, then the MT's agenda row.
PF_PERSON = 12
PF_ROW = 6


# -- memory prefetch hints ----------------------------------------------------------------------
# The booking loop reads a few attributes of a random person among millions (MT, commune, ALD,
# age band) and a random GP's agenda row: cache misses that stall it. ``prefetch(a, i)`` asks the
# CPU to start loading ``a[i]`` a few requests ahead. It is only a hint: it never changes a
# value or a result; in plain Python (``NUMBA_DISABLE_JIT=1``) it does nothing.


def prefetch(arr, i):
    """Hint: ``arr[i]`` will be read soon (no effect on results; a no-op in plain Python)."""
    return None


def prefetch2(arr, i, j):
    """Hint: ``arr[i, j]`` will be read soon (no effect on results; a no-op in plain Python)."""
    return None


@intrinsic
def _llvm_prefetch(typingctx, arr, i, j):
    """Emit ``llvm.prefetch`` (read, high locality, data cache) for ``arr[i]`` or ``arr[i, j]``.

    ``j`` is ignored for a 1-d array. No bounds check is needed: a prefetch never faults.
    """
    if not isinstance(arr, types.Array) or arr.ndim not in (1, 2):
        return None
    sig = types.void(arr, i, j)

    def codegen(context, builder, signature, args):
        aryty = signature.args[0]
        ary = context.make_array(aryty)(context, builder, args[0])
        idx = [
            context.cast(builder, v, t, types.intp)
            for v, t in zip(args[1:], signature.args[1:], strict=True)
        ][: aryty.ndim]
        ptr = cgutils.get_item_pointer(context, builder, aryty, ary, idx, wraparound=False)
        i8p = ir.IntType(8).as_pointer()
        i32 = ir.IntType(32)
        fnty = ir.FunctionType(ir.VoidType(), [i8p, i32, i32, i32])
        # llvm.prefetch.<pointer type> (llvmlite names the type: typed or opaque pointers).
        fn = builder.module.declare_intrinsic("llvm.prefetch", [i8p], fnty)
        # (address, 0 = read, 3 = keep in all cache levels, 1 = data cache)
        builder.call(fn, [builder.bitcast(ptr, i8p), i32(0), i32(3), i32(1)])
        return context.get_dummy_value()

    return sig, codegen


@overload(prefetch)
def _prefetch_jit(arr, i):
    def impl(arr, i):
        _llvm_prefetch(arr, i, 0)

    return impl


@overload(prefetch2)
def _prefetch2_jit(arr, i, j):
    def impl(arr, i, j):
        _llvm_prefetch(arr, i, j)

    return impl


@njit(**JIT)
def first_session_after(t, am, pm):
    """First session (index) starting strictly after time ``t`` (days).

    Session starts are compared as the calendar computes them (``day + am``, ``day + pm``),
    so that a request arriving exactly at a session start never books that session.
    """
    d = int(np.floor(t))
    if t < d + am:
        return 2 * d
    if t < d + pm:
        return 2 * d + 1
    return 2 * d + 2


@njit(**JIT)
def scan(free, resv, g, s_lo, s_hi, need, mode):
    """Earliest session in [s_lo, s_hi] where GP ``g`` has ``need`` slots; -1 if none.

    mode 0: regular slots only; 1: reserved only; 2: both.
    """
    for s in range(s_lo, s_hi + 1):
        a = 0
        if mode != 1:
            a += free[g, s]
        if mode != 0:
            a += resv[g, s]
        if a >= need:
            return s
    return -1


@njit(**JIT)
def take(free, resv, g, s, need, mode):
    """Book ``need`` slots of GP ``g`` in session ``s``; reserved first when allowed.

    Returns the number of reserved slots used.
    """
    if mode == 0:
        free[g, s] -= need
        return 0
    r = min(np.int64(resv[g, s]), need)
    resv[g, s] -= r
    free[g, s] -= need - r
    return r


_JUMP = np.uint64(2862933555777941757)  # Lamping and Veach's multiplier
_SALT = np.uint64(0x2545F4914F6CDD1D)


@njit(**JIT)
def jump(key, n):
    """Jump consistent hash (Lamping and Veach 2014): a bucket in [0, n) evenly drawn by
    ``key``; with one bucket more, a key either keeps its bucket or moves to the new last one."""
    b = -1
    j = 0
    k = key
    while j < n:
        b = j
        k = k * _JUMP + np.uint64(1)
        j = int((b + 1) * (2147483648.0 / np.float64((k >> np.uint64(33)) + np.uint64(1))))
    return b


BIG_GROUP = 32
"""Groups of equally distant GPs larger than this draw their GP by a jump consistent hash."""


SKIP_MARGIN = 1.0 + 1e-9
"""Slack of the race's bound ``-log(1 - u) >= u`` (far above log1p's rounding error)."""


@njit(**JIT)
def race_start(cands, c, rkey):
    """The first candidate of commune ``c`` to try, drawn with the distance weights, keyed by
    the patient's ``rkey``: one more GP changes the draw only for the patients it wins.

    A weighted race (rendezvous hashing): GP ``j`` rings at ``E_j / w_j``,
    ``E_j = -log(1 - u(rkey, GP j))``, and the first to ring starts, so ``j`` starts with
    probability ``w_j / sum(w)``. Equally distant GPs share a weight, so a group needs only its
    smallest uniform and one logarithm. A group of more than :data:`BIG_GROUP` GPs (a city's
    GPs) rings as one clock ``E_g / (m w)`` and draws its GP by a jump consistent hash
    (Lamping and Veach 2014), in GP order: a GP added at the end of the group takes an even
    share of the group's draws, and the group's larger weight draws a few patients from other
    groups (about 1 / m of the group's share). Returns an offset into ``cands``, -1 for an
    empty list.
    """
    lo = cands.ptr[c]
    hi = cands.ptr[c + 1]
    if hi <= lo:
        return -1
    best = lo  # a GP's offset, or -(offset + 1) of a big group's first GP
    best_score = np.inf
    j = lo
    while j < hi:
        e = cands.end[j]
        w = cands.w[j]
        if w > 0.0:
            if e - j > BIG_GROUP:
                u = keyed.unit(keyed.mix(rkey ^ cands.key[j]))
                arg = -(j + 1)  # the group as a whole
                weight = (e - j) * w
            else:
                u = 2.0
                arg = j
                for k in range(j, e):
                    uk = keyed.unit(keyed.mix(rkey ^ cands.gkey[k]))
                    if uk < u:
                        u = uk
                        arg = k
                weight = w
            # -log(1 - u) >= u: a group whose u / weight already exceeds the best score cannot
            # win, and needs no logarithm (the margin covers log1p's rounding).
            if u <= best_score * weight * SKIP_MARGIN:
                score = -np.log1p(-u) / weight
                if score < best_score:
                    best_score = score
                    best = arg
        j = e
    if best >= 0:
        return best
    first = -best - 1
    m = cands.end[first] - first
    return first + jump(keyed.mix(rkey ^ cands.key[first] ^ _SALT), m)


@njit(**JIT)
def release_until(t, agenda, lose, counters, warm_s, hor_s):
    """Release the reserved slots of every session whose release time is <= ``t``.

    Released slots go back to general booking (``lose == 0``) or are lost; those of sessions in
    [``warm_s``, ``hor_s``) are counted in ``counters[RELEASED]``.
    """
    rel_time = agenda.rel_time
    free = agenda.free
    resv = agenda.resv
    n_s = rel_time.shape[0]
    s = agenda.cursor[0]
    n_g = free.shape[0]
    while s < n_s and rel_time[s] <= t:
        if agenda.sess_resv[s]:
            released = 0
            for g in range(n_g):
                r = resv[g, s]
                if r > 0:
                    released += r
                    if lose == 0:
                        free[g, s] += r
                    resv[g, s] = 0
            if warm_s <= s < hor_s:
                counters[C_RELEASED] += released
        s += 1
    agenda.cursor[0] = s


# -- the cascade, one step at a time ----------------------------------------------------------


@njit(**JIT)
def request_window(t, k, desired, patience, par):
    """Sessions a request may book, ``(s_lo, s_hi, last_day, mode)``.

    A planned request books from its desired day (never a session that has started) to the end
    of its patience, in regular slots (mode 0); an unscheduled need books before its deadline
    (24 h or 48 h after the request) in reserved or regular slots (mode 2).
    """
    s_first = first_session_after(t, par.am, par.pm)
    if k == PLANNED:
        s_lo = max(s_first, 2 * desired)
        last_day = desired + int(patience)
        s_hi = min(2 * last_day + 1, par.n_sessions - 1)
        mode = 0
    else:
        due = t + (1.0 if k == U24 else 2.0)
        s_lo = s_first
        s_hi = min(first_session_after(due, par.am, par.pm) - 1, par.n_sessions - 1)
        last_day = int(np.floor(due))
        mode = 2
    return s_lo, s_hi, last_day, mode


@njit(**JIT)
def step_nurse(pools, t, first_day, last_day, tele_hour):
    """A policy nurse's follow-up on the first day in [first_day, last_day] with capacity.

    Returns the time of the follow-up, or -1.0 when the nurses have no capacity left.
    """
    left = pools.nurse
    for dd in range(first_day, min(last_day, left.shape[0] - 1) + 1):
        if left[dd] > 0:
            left[dd] -= 1
            return max(t, dd + tele_hour)
    return -1.0


@njit(**JIT)
def step_own_mt(agenda, m, s_lo, s_hi, need, mode):
    """The MT's earliest session in [s_lo, s_hi] with ``need`` slots, booked.

    Returns ``(session, reserved slots used)``; session -1 when none.
    """
    s = scan(agenda.free, agenda.resv, m, s_lo, s_hi, need, mode)
    if s < 0:
        return -1, 0
    return s, take(agenda.free, agenda.resv, m, s, need, mode)


@njit(**JIT)
def step_practice(agenda, gps, m, s_lo, s_hi, need, mode, mt_too):
    """The earliest slot among the MT (when ``mt_too``) and the colleagues of its practice.

    Ties go to the MT, then to colleagues in practice order. Returns ``(gp, session, reserved
    slots used)``; gp -1 when none.
    """
    free = agenda.free
    resv = agenda.resv
    pr = gps.practice[m]
    best_s = scan(free, resv, m, s_lo, s_hi, need, mode) if mt_too else -1
    best_g = m if best_s >= 0 else -1
    if best_s < 0:
        best_s = s_hi + 1  # no slot yet: colleagues may take any session of the window
    for j in range(gps.prac_ptr[pr], gps.prac_ptr[pr + 1]):
        c = gps.prac_members[j]
        if c == m or gps.active[c] == 0:
            continue
        s = scan(free, resv, c, s_lo, min(s_hi, best_s - 1), need, mode)
        if s >= 0:
            best_s = s
            best_g = c
    if best_g < 0:
        return -1, -1, 0
    return best_g, best_s, take(free, resv, best_g, best_s, need, mode)


@njit(**JIT)
def other_gp_scan(agenda, gps, cands, start, c0, m, k, s_lo, s_hi, need, mode, max_tries, new_mt):
    """The first candidate of commune ``c0`` from offset ``start`` (then by distance, at most
    ``max_tries``, outside the MT's practice) who would see the patient and has a slot, booked.

    ``new_mt``: only GPs taking new MT patients with room on their list; otherwise GPs who see
    occasional patients for requests of kind ``k`` (planned: ``sees_others_planned``;
    unscheduled: ``sees_others``), and, for a patient without an MT, GPs taking new MT patients
    with room. Returns ``(gp, session, reserved slots used)``; gp -1 if none.
    """
    lo = cands.ptr[c0]
    length = cands.ptr[c0 + 1] - lo
    my_pr = gps.practice[m] if m >= 0 else -1
    occasional = gps.sees_others_planned if k == PLANNED else gps.sees_others
    for j in range(min(length, max_tries)):
        g = cands.gp[lo + (start - lo + j) % length]
        if gps.active[g] == 0 or gps.practice[g] == my_pr:
            continue
        takes_new = m < 0 and gps.accepts[g] != 0 and gps.list_size[g] < gps.cap_eff[g]
        if not takes_new and (new_mt or occasional[g] == 0):
            continue
        s = scan(agenda.free, agenda.resv, g, s_lo, s_hi, need, mode)
        if s >= 0:
            return g, s, take(agenda.free, agenda.resv, g, s, need, mode)
    return -1, -1, 0


@njit(**JIT)
def step_other_gps(agenda, gps, cands, c0, rkey, m, k, s_lo, s_hi, need, mode, max_tries):
    """Other GPs near the patient's commune ``c0``, from a distance-weighted start
    (:func:`race_start`, keyed by the request's ``rkey``).

    GPs who see occasional patients (patients not on their list) for requests of kind ``k``;
    a patient without an MT (``m < 0``) may also see a GP who takes new MT patients and has
    room on its list, and looks for one first (the search for an MT: the consultation may end
    in enrolment), then for any of them. Returns ``(gp, session, reserved slots used)``.
    """
    start = race_start(cands, c0, rkey)
    if start < 0:
        return -1, -1, 0
    if m < 0:
        g, s, used = other_gp_scan(
            agenda, gps, cands, start, c0, m, k, s_lo, s_hi, need, mode, max_tries, True
        )
        if g >= 0:
            return g, s, used
    return other_gp_scan(
        agenda, gps, cands, start, c0, m, k, s_lo, s_hi, need, mode, max_tries, False
    )


@njit(**JIT)
def nearest_with_slot(agenda, gps, cands, c0, rkey, s_lo, s_hi, need, max_tries, mode):
    """The first of the candidates of commune ``c0`` (distance-weighted start, then by
    distance, at most ``max_tries``) with ``need`` slots of ``mode`` in [s_lo, s_hi], booked.

    Returns ``(gp, session, reserved slots used)``; gp -1 when none.
    """
    start = race_start(cands, c0, rkey)
    if start < 0:
        return -1, -1, 0
    lo = cands.ptr[c0]
    length = cands.ptr[c0 + 1] - lo
    for j in range(min(length, max_tries)):
        g = cands.gp[lo + (start - lo + j) % length]
        if gps.active[g] == 0:
            continue
        s = scan(agenda.free, agenda.resv, g, s_lo, s_hi, need, mode)
        if s >= 0:
            return g, s, take(agenda.free, agenda.resv, g, s, need, mode)
    return -1, -1, 0


@njit(**JIT)
def step_rota(agenda, gps, cands, c0, rkey, s_lo, s_hi, need, max_tries):
    """The shared rota: the reserved slots of participating GPs, nearest first, before the
    deadline. Returns ``(gp, session, reserved slots used)``; gp -1 when none."""
    return nearest_with_slot(agenda, gps, cands, c0, rkey, s_lo, s_hi, need, max_tries, 1)


@njit(**JIT)
def step_sas(agenda, gps, cands, c0, rkey, t, need, par):
    """The SAS (service d'accès aux soins): the regulator routes an unscheduled need that found
    no slot to a rota GP's slot, reserved or regular, within ``par.sas_window`` days of the
    call, whatever the need's own deadline. Returns ``(gp, session, reserved slots used)``."""
    s_lo = first_session_after(t, par.am, par.pm)
    s_hi = min(first_session_after(t + par.sas_window, par.am, par.pm) - 1, par.n_sessions - 1)
    if s_lo > s_hi:
        return -1, -1, 0
    return nearest_with_slot(agenda, gps, cands, c0, rkey, s_lo, s_hi, need, par.max_tries, 2)


@njit(**JIT)
def step_out_of_hours(pools, t, due):
    """The out-of-hours service (PDSA): an act of the first of its periods, from time ``t`` to
    the need's deadline ``due``, with acts left: at ``t`` when ``t`` is out of hours, else when
    the period starts. Returns the time of the act, or -1.0."""
    h = max(int(np.floor(t * 24.0)), 0)
    h_end = min(int(np.ceil(due * 24.0)), pools.ooh_period.shape[0])
    while h < h_end:
        period = pools.ooh_period[h]
        if period >= 0 and pools.ooh_left[period] > 0:
            pools.ooh_left[period] -= 1
            return max(t, h / 24.0)
        h += 1
    return -1.0


@njit(**JIT)
def step_teleconsultation(pools, k, t, first_day, last_day, tele_hour):
    """A teleconsultation on the first day in [first_day, last_day] with capacity left.

    Territory GPs first, then the platform; an unscheduled need only before its deadline.
    Returns ``(counter of the route, time)``; route -1 when none.
    """
    gp_left = pools.tele_gp
    plat_left = pools.tele_platform
    due = t + (1.0 if k == U24 else 2.0)
    for dd in range(first_day, min(last_day, gp_left.shape[0] - 1) + 1):
        when = max(t, dd + tele_hour)
        if k != PLANNED and when > due:
            break
        if gp_left[dd] > 0:
            gp_left[dd] -= 1
            return C_TELE_GP, when
        if plat_left[dd] > 0:
            plat_left[dd] -= 1
            return C_TELE_PLATFORM, when
    return -1, -1.0


@njit(**JIT)
def tries_teleconsultation_first(pools, par, band, has_mt, u_first):
    """Whether a patient eligible for teleconsultation tries it before any GP slot: a share by
    age band, times a factor for patients without an active MT."""
    share = pools.tele_first[band] * (1.0 if has_mt else par.tele_first_no_mt)
    return u_first < share


@njit(**JIT)
def hour_band(t):
    """Band of the hour of time ``t`` (days): 0 night (00-08), 1 morning (08-12), 2 afternoon
    (12-20), 3 evening (20-24); the bands of :data:`accesssim.vocabulary.HOUR_BANDS`."""
    h = (t - np.floor(t)) * 24.0
    if h < 8.0:
        return 0
    if h < 12.0:
        return 1
    if h < 20.0:
        return 2
    return 3


@njit(**JIT)
def goes_straight_to_ed(pools, k, band, hb, u_direct):
    """Whether an unscheduled need goes straight to the ED, whatever the agendas: its draw is
    below the share of its kind (severity), age band and hour band."""
    if k != U24 and k != U48:
        return False
    return u_direct < pools.ed_direct[k, band, hb]


@njit(**JIT)
def pharmacist_eligible(minor, age, female, par):
    """Whether a minor need may go to a pharmacist (2024 rules: sore throat from a minimum
    age, cystitis of women within an age range)."""
    sore = minor == 1 and age >= par.sore_min_age
    cyst = minor == 2 and female and par.cyst_min_age <= age <= par.cyst_max_age
    return sore or cyst


@njit(**JIT)
def ed_or_forgone(k, u_sev, par):
    """The end of an unmet request: the ED after a failed search for severe enough
    unscheduled needs, else forgone."""
    if (k in (U24, U48)) and u_sev < (par.ed_share_24h if k == U24 else par.ed_share_48h):
        return ED
    return FORGONE


@njit(**JIT)
def event_key(root, attempt):
    """The key of a request: its need's key for the first request, else (need, attempt)."""
    if attempt == 0:
        return root
    return keyed.combine(root, attempt)


with np.errstate(**keyed.WRAP):
    _C0 = np.uint64(keyed.counter_mix(np.uint64(0)))
"""The mixed counter of a request's uniforms (counter 0)."""


@njit(**JIT)
def request_key(req, r):
    """The premixed event key of request ``r`` (:func:`keyed.premix` of :func:`event_key`):
    what its uniforms are drawn from."""
    return keyed.premix(event_key(req.root[r], req.attempt[r]))


@njit(**JIT)
def uniform_of(col, r, stream, e):
    """Request ``r``'s float32 uniform of the stream keyed ``stream``: ``col[r]`` when the
    requests carry the column, else drawn from its premixed event key ``e``."""
    if col.shape[0] > 0:
        return col[r]
    return np.float32(keyed.uniform_pre(stream, e, _C0))


@njit(**JIT)
def choice_of(col, r, stream, e):
    """Request ``r``'s key of its choice of another GP (:func:`uniform_of`, a 64-bit key)."""
    if col.shape[0] > 0:
        return col[r]
    return keyed.mix(stream ^ e)


@njit(**JIT)
def carry_row(carry, root, person, k, attempt, origin, t, t0):
    """Append one request for a later day to ``carry``."""
    i = carry.n[0]
    carry.root[i] = root
    carry.person[i] = person
    carry.kind[i] = k
    carry.attempt[i] = attempt
    carry.origin[i] = origin
    carry.t[i] = t
    carry.t0[i] = t0
    carry.n[0] = i + 1


@njit(**JIT)
def out_of_hours(pools, t):
    """Whether time ``t`` falls in an out-of-hours period (practices closed)."""
    h = int(np.floor(t * 24.0))
    return 0 <= h < pools.ooh_period.shape[0] and pools.ooh_period[h] >= 0


@njit(**JIT)
def period_end(pools, t):
    """When the out-of-hours period around ``t`` ends (practices open), or ``t`` itself when
    practices are open at ``t``."""
    h = int(np.floor(t * 24.0))
    n = pools.ooh_period.shape[0]
    if h < 0 or h >= n or pools.ooh_period[h] < 0:
        return t
    while h < n and pools.ooh_period[h] >= 0:
        h += 1
    return h / 24.0


@njit(**JIT)
def when_open(pools, t):
    """``t``, or when it falls out of hours, the same minute past the hour at which the
    out-of-hours period ends."""
    if not out_of_hours(pools, t):
        return t
    return period_end(pools, t) + (t * 24.0 - np.floor(t * 24.0)) / 24.0


@njit(**JIT)
def waits_until_open(pools, t):
    """When a need arising out of hours at ``t`` is asked for once practices open: just before
    the period ends (so that it may take the first session), the needs of a period in the order
    they arose."""
    opens = period_end(pools, t)
    return opens - DEFER_EPS * (opens - t)


@njit(**JIT)
def defer(req, r, src, t_open, d, par, carry, queue):
    """Move request ``r`` (of record ``src``: 0 the day's new requests, 1 carried ones) to
    ``t_open``: today's go to the day's queue, later days' to ``carry``. Returns False when
    ``t_open`` is past the horizon (nothing is moved: the need is pending)."""
    if int(np.floor(t_open)) == d:
        i = queue.n[0]
        queue.src[i] = src
        queue.idx[i] = r
        queue.t[i] = t_open
        queue.n[0] = i + 1
    elif t_open < par.horizon:
        carry_row(
            carry, req.root[r], req.person[r], req.kind[r], req.attempt[r],
            req.origin[r] | ORIGIN_DEFERRED, t_open, req.t0[r],
        )  # fmt: skip
    else:
        return False
    return True


@njit(**JIT)
def ask_again(req, r, t, k, pools, par, carry):
    """A forgone unscheduled need: asked again later with probability ``repeat_share`` while
    the need has attempts left, after a delay uniform in [repeat_lo, repeat_hi] days (its
    draws keyed by the need and the attempt); a delay ending out of hours ends when practices
    open (:func:`when_open`). Returns the outcome of this request: ``RETRY``, ``PENDING`` (the
    next request would come after the horizon) or ``FORGONE``."""
    attempt = np.int64(req.attempt[r]) + 1
    if (k != U24 and k != U48) or attempt >= par.repeat_max:
        return FORGONE
    e = request_key(req, r)
    if uniform_of(req.u_next, r, par.key_next, e) >= par.repeat_share:
        return FORGONE
    u_delay = uniform_of(req.u_delay, r, par.key_delay, e)
    t_next = when_open(pools, t + par.repeat_lo + (par.repeat_hi - par.repeat_lo) * u_delay)
    if t_next >= par.horizon:
        return PENDING
    carry_row(carry, req.root[r], req.person[r], k, attempt, req.origin[r], t_next, req.t0[r])
    return RETRY


@njit(**JIT)
def follow_up(req, r, k, appt, share, par, carry):
    """After a teleconsultation or a pharmacist act: with probability ``share`` the patient
    needs an in-person consultation, a new request of the same kind the next day (a new need,
    keyed by this request). Returns True when one is carried."""
    if uniform_of(req.u_next, r, par.key_next, request_key(req, r)) >= share:
        return False
    t_next = appt + 1.0
    if t_next >= par.horizon:
        return False
    root = keyed.combine(event_key(req.root[r], req.attempt[r]), FOLLOWUP_TAG)
    carry_row(carry, root, req.person[r], k, 0, 1, t_next, t_next)
    return True


@njit(**JIT)
def enrol_after_visit(people, gps, p, g, u_enrol, d, par, counters):
    """After a consultation with GP ``g``, person ``p`` (without an MT) may declare ``g``.

    ``g`` must take new patients and have room; children are attached without counting
    towards the list. Enrolments on measured days are counted.
    """
    if gps.accepts[g] and gps.list_size[g] < gps.cap_eff[g] and u_enrol < par.enrol_share:
        people.mt[p] = g
        if people.age[p] >= 16:
            gps.list_size[g] += 1
            if people.ald[p]:
                gps.list_ald[g] += 1
            if par.warmup <= d < par.horizon:
                counters[C_ENROL] += 1


@njit(**JIT)
def record(r, o, req, t, d, k, need, outcome, appt, gp, route, used, par, agenda, out, tallies, c):
    """File request ``r`` (of a patient of commune ``c``; ``out`` index ``o``): outputs,
    backlog, acts, counts, waits, weekly series, tallies by commune, weekday and hour band.

    Requests arriving in the measurement window are measured; an appointment after the
    horizon is ``PENDING``; GP acts and reserved slots used count when the appointment falls in
    the window. Waits run from the request that got the appointment (the DREES 2018
    definition); the 24 h / 48 h targets from the need's onset (``t0``); a request that asks
    again later (``RETRY``) is not a need's end and counts in neither.
    """
    counters = tallies.counters
    seen = appt >= 0.0
    appt_day = int(np.floor(appt)) if seen else -1
    if gp >= 0:
        s_b = first_session_after(appt - 1e-9, par.am, par.pm)
        agenda.appts[s_b] += 1
        if par.warmup <= appt_day < par.horizon:
            tallies.acts_gp[gp] += 1
            if used > 0:
                counters[C_RESERVED_USED] += used
    final = outcome
    if seen and appt_day >= par.horizon:
        final = PENDING
    out.outcome[o] = final
    out.time[o] = appt
    out.gp[o] = gp
    out.asked[o] = t
    tallies.counts[0, k, final] += 1
    unsched = k in (U24, U48)
    to_ed = outcome in (ED, ED_DIRECT)
    t0 = req.t0[r]
    measured = par.warmup <= d < par.horizon
    daily = tallies.daily
    if k != EMERGENCY and outcome != RETRY and d < daily.shape[0]:  # every day, for the years
        if unsched:
            daily[d, D_UNSCHED] += 1
            if seen and outcome != NURSE and appt - t0 <= 2.0:
                daily[d, D_U48_MET] += 1
        if to_ed:
            daily[d, D_ED] += 1
    if measured:
        tallies.counts[1, k, final] += 1
        tallies.weekday[k, (d + par.start_weekday) % 7, final] += 1
        # (a need that waited for practices to open is asked just before they open: counted
        # in the hour they open)
        tallies.hour[k, hour_band(t + 1e-5), final] += 1
        if k == EMERGENCY:
            return
        if route >= 0:
            counters[route] += 1
        if req.attempt[r] > 0:
            counters[C_REPEAT] += 1
        if outcome == OWN_MT and used > 0 and unsched:
            counters[C_OWN_RESERVED] += 1
        if need == 2 and gp >= 0:
            counters[C_HOME] += 1
        by_commune = tallies.commune
        if unsched and outcome != RETRY:
            by_commune[c, K_UNSCHED] += 1
        if to_ed:
            by_commune[c, K_ED] += 1
        if unsched and seen and outcome != NURSE:
            if appt - t0 <= 1.0:
                counters[C_U24_MET] += 1
            if appt - t0 <= 2.0:
                counters[C_U48_MET] += 1
                by_commune[c, K_U48_MET] += 1
        if seen and outcome != PHARMACIST and outcome != OUT_OF_HOURS:
            w = appt_day - d  # from the request that got the appointment (DREES 2018)
            tallies.hist[k, min(w, par.max_wait)] += 1
            tallies.fsums[F_WAIT + k] += appt - t
            if k == PLANNED:
                tallies.fsums[F_EXCESS] += max(0, appt_day - req.desired[r])
                tallies.fsums[F_EXCESS_N] += 1
    if k == EMERGENCY:
        return
    weekly = tallies.weekly
    wk = min(d // 7, par.n_weeks - 1)
    if outcome == RETRY:
        return
    weekly[wk, W_REQUESTS] += 1
    if k == PLANNED:
        weekly[wk, W_PLANNED] += 1
        if seen:
            weekly[wk, W_PLANNED_SEEN] += 1
            weekly[wk, W_PLANNED_WAIT] += appt_day - d
    else:
        weekly[wk, W_UNSCHED] += 1
        if seen and appt - t0 <= 1.0:
            weekly[wk, W_U24_MET] += 1
        if seen and appt - t0 <= 2.0:
            weekly[wk, W_U48_MET] += 1
    if to_ed:
        weekly[wk, W_ED] += 1
    elif outcome == FORGONE:
        weekly[wk, W_FORGONE] += 1
    elif outcome == TELE:
        weekly[wk, W_TELE] += 1


@njit(**JIT)
def record_act(tallies, t, k, outcome, appt, gp, need, route, ald, age, par):
    """File the act a request ends in (if any) in ``tallies.acts``: by day and part of the day
    it takes place (:data:`accesssim.vocabulary.DAY_PARTS`), item (:class:`Act`) and patient
    class (:class:`PayClass`), for the costing. ED visits (after a failed search or direct)
    and pharmacist acts take place at the request time; GP, out-of-hours, teleconsultation and
    nurse acts at the appointment. A GP act booked through the SAS regulation also files the
    SAS supplement. Only the act that ends a need is filed: a request asked again later or
    waiting for practices to open files nothing (its later request files the act). Acts after
    the horizon are not filed (they are pending); emergencies beyond primary care are not
    filed (:func:`book_one` records them apart)."""
    if outcome in (ED, ED_DIRECT, PHARMACIST):
        when = t
    elif appt >= 0.0:
        when = appt
    else:
        return
    if outcome in (ED, ED_DIRECT):
        item = A_ED
    elif outcome == PHARMACIST:
        item = A_PHARMACIST
    elif outcome == NURSE:
        item = A_NURSE
    elif outcome == OUT_OF_HOURS:
        item = A_OOH
    elif outcome == TELE:
        item = A_TELE_GP if route == C_TELE_GP else A_TELE_PLATFORM
    elif gp >= 0:
        item = A_HOME if need == 2 else A_OFFICE
    else:
        return
    day = int(np.floor(when))
    acts = tallies.acts
    if day < 0 or day >= par.horizon or N_PARTS * (day + 1) > acts.shape[0]:
        return
    h = (when - day) * 24.0 + 1e-6  # session starts are computed: 08:00 may read 07:59:59.99
    if 8.0 <= h < 12.0:
        part = 0
    elif 12.0 <= h < 20.0:
        part = 1
    elif h < 6.0:
        part = 3  # deep night
    else:
        part = 2
    pathway = outcome == OWN_MT or route == C_COLLEAGUE
    if outcome == NURSE:  # a follow-up the MT hands over
        pathway = True
    if age < 6:
        cls = P_INFANT
    elif age < 16:
        cls = P_CHILD
    elif pathway:
        cls = P_PATHWAY
    elif k != PLANNED:
        cls = P_URGENT
    else:
        cls = P_OUTSIDE
    if ald:
        cls += P_ALD
    row = N_PARTS * day + part
    acts[row, item, cls] += 1
    if route == C_SAS:
        acts[row, A_SAS, cls] += 1


@njit(**JIT)
def prefetch_ahead(r, req, people, agenda, par):
    """Prefetch hints (no effect on results): the attributes of the person of request
    ``r + PF_PERSON``, and the agenda row of the MT of request ``r + PF_ROW`` around its first
    session (its attributes were prefetched ``PF_PERSON - PF_ROW`` requests ago)."""
    n_req = req.t.shape[0]
    if r + PF_PERSON < n_req:
        q = req.person[r + PF_PERSON]
        prefetch(people.mt, q)
        prefetch(people.commune, q)
        prefetch(people.ald, q)
        prefetch(people.band, q)
        prefetch(people.age, q)
        prefetch(people.female, q)
    if r + PF_ROW < n_req:
        r2 = r + PF_ROW
        m2 = people.mt[req.person[r2]]
        if m2 >= 0:
            s2 = first_session_after(req.t[r2], par.am, par.pm)
            if req.kind[r2] == PLANNED:
                s2 = max(s2, 2 * req.desired[r2])
            if s2 < par.n_sessions:
                prefetch2(agenda.free, m2, s2)
                if req.kind[r2] != PLANNED:
                    prefetch2(agenda.resv, m2, s2)


@njit(**JIT)
def book_one(
    req, r, o, src, t, from_queue, people, gps, others, rota, agenda, pools, par, out, carry,
    queue, tallies,
):  # fmt: skip
    """Book request ``r`` of ``req`` (record ``src``) at time ``t`` through the cascade; its
    outputs go to index ``o``. ``from_queue``: the request waited for practices to open."""
    release_until(t, agenda, par.lose, tallies.counters, 2 * par.warmup, 2 * par.horizon)
    p = req.person[r]
    k = req.kind[r]
    d = int(np.floor(t))
    c = people.commune[p]
    if k == EMERGENCY:  # beyond primary care: straight to the ED
        record(r, o, req, t, d, k, 1, ED_DIRECT, -1.0, -1, -1, 0, par, agenda, out, tallies, c)
        return
    e = request_key(req, r)  # its uniforms are drawn from it when the steps read them
    desired = req.desired[r]
    need = 2 if req.home[r] else 1
    m = people.mt[p]
    if m >= 0 and gps.active[m] == 0:
        m = -1
    band = people.band[p]
    unsched = k != PLANNED
    in_person = (req.origin[r] & ORIGIN_FOLLOWUP) != 0  # neither remote nor at a pharmacy
    waited = from_queue or (req.origin[r] & ORIGIN_DEFERRED) != 0
    measured = par.warmup <= d < par.horizon
    s_lo, s_hi, last_day, mode = request_window(t, k, desired, req.patience[r], par)
    outcome = -1
    appt = -1.0
    gp = -1
    route = -1
    used = 0
    if (
        unsched
        and not in_person
        and not waited
        and goes_straight_to_ed(
            pools, k, band, hour_band(t), uniform_of(req.u_direct, r, par.key_direct, e)
        )
    ):
        outcome = ED_DIRECT
    if (
        outcome < 0
        and k == PLANNED
        and m >= 0
        and people.ald[p]
        and gps.nurse[m]
        and par.nurse_start <= d < par.nurse_end
        and uniform_of(req.u_nurse, r, par.key_nurse, e) < par.nurse_share
    ):
        appt = step_nurse(pools, t, max(desired, d), last_day, par.tele_hour)
        if appt >= 0.0:
            outcome = NURSE
    tele_ok = (
        need == 1
        and not in_person
        and uniform_of(req.u_tele, r, par.key_tele, e) < pools.tele_elig[k, band]
    )
    tele_first = tele_ok and tries_teleconsultation_first(
        pools, par, band, m >= 0, uniform_of(req.u_first, r, par.key_first, e)
    )
    first = max(d, desired) if k == PLANNED else d
    if outcome < 0 and tele_first:
        route, appt = step_teleconsultation(pools, k, t, first, last_day, par.tele_hour)
        if route >= 0:
            outcome = TELE
            if measured:
                tallies.counters[C_TELE_FIRST] += 1
    if outcome < 0 and unsched and not waited and out_of_hours(pools, t):
        # Out of hours: a 24 h need goes to the out-of-hours service if it has an act within
        # 24 h; otherwise the patient asks when practices open.
        if k == U24:
            appt = step_out_of_hours(pools, t, t + 1.0)
            if appt >= 0.0:
                outcome = OUT_OF_HOURS
        if outcome < 0:
            if defer(req, r, src, waits_until_open(pools, t), d, par, carry, queue):
                out.outcome[o] = CARRIED  # until it is booked (today) or on its later day
                if measured:
                    tallies.counters[C_DEFERRED] += 1
                return
            outcome = PENDING  # practices open after the horizon
    if outcome < 0 and m >= 0 and s_lo <= s_hi:
        s_mt = min(s_hi, 2 * (desired + par.mt_tolerance) + 1) if k == PLANNED else s_hi
        s, used = step_own_mt(agenda, m, s_lo, s_mt, need, mode)
        if s >= 0:
            outcome = OWN_MT
            gp = m
            appt = agenda.sess_start[s]
    if outcome < 0 and m >= 0 and s_lo <= s_hi:
        g, s, used = step_practice(agenda, gps, m, s_lo, s_hi, need, mode, k == PLANNED)
        if g >= 0:
            gp = g
            appt = agenda.sess_start[s]
            if g == m:
                outcome = OWN_MT
            else:
                outcome = OTHER_GP
                route = C_COLLEAGUE
    if outcome < 0 and s_lo <= s_hi and (m < 0 or k == PLANNED or par.tries_other):
        g, s, used = step_other_gps(
            agenda,
            gps,
            others,
            c,
            choice_of(req.choice, r, par.key_choice, e),
            m,
            k,
            s_lo,
            s_hi,
            need,
            mode,
            par.max_tries,
        )
        if g >= 0:
            outcome = OTHER_GP
            route = C_OTHER
            gp = g
            appt = agenda.sess_start[s]
    if outcome < 0 and unsched and par.rota_start <= d < par.rota_end and s_lo <= s_hi:
        rkey = choice_of(req.choice, r, par.key_choice, e)
        g, s, used = step_rota(agenda, gps, rota, c, rkey, s_lo, s_hi, need, par.max_tries)
        if g >= 0:
            outcome = OTHER_GP
            route = C_ROTA
            gp = g
            appt = agenda.sess_start[s]
    if outcome < 0 and unsched and par.sas and par.rota_start <= d < par.rota_end:
        rkey = choice_of(req.choice, r, par.key_choice, e)
        g, s, used = step_sas(agenda, gps, rota, c, rkey, t, need, par)
        if g >= 0:
            outcome = OTHER_GP
            route = C_SAS
            gp = g
            appt = agenda.sess_start[s]
    if outcome < 0 and unsched:  # no slot in time: the out-of-hours service before the deadline
        appt = step_out_of_hours(pools, t, t + (1.0 if k == U24 else 2.0))
        if appt >= 0.0:
            outcome = OUT_OF_HOURS
    if outcome < 0 and tele_ok and not tele_first:
        route, appt = step_teleconsultation(pools, k, t, first, last_day, par.tele_hour)
        if route >= 0:
            outcome = TELE
    if (
        outcome < 0
        and unsched
        and not in_person
        and par.pharm_start <= d < par.pharm_end
        and req.minor[r] > 0
        and pharmacist_eligible(req.minor[r], people.age[p], people.female[p], par)
        and uniform_of(req.u_pharm, r, par.key_pharm, e) < par.pharm_share
    ):
        outcome = PHARMACIST
        appt = t
    if outcome < 0:
        outcome = ed_or_forgone(k, uniform_of(req.u_sev, r, par.key_sev, e), par)
        if outcome == FORGONE:
            outcome = ask_again(req, r, t, k, pools, par, carry)
    if outcome == TELE and measured:
        if 15 <= people.age[p] <= 44:
            tallies.counters[C_TELE_15_44] += 1
        if route == C_TELE_PLATFORM and m < 0:
            tallies.counters[C_PLATFORM_NO_MT] += 1
    if outcome in (TELE, PHARMACIST):
        share = par.tele_followup if outcome == TELE else par.pharm_followup
        if follow_up(req, r, k, appt, share, par, carry) and measured:
            tallies.counters[C_FOLLOWUP] += 1
    if gp >= 0 and m < 0:
        u_enrol = uniform_of(req.u_enrol, r, par.key_enrol, e)
        enrol_after_visit(people, gps, p, gp, u_enrol, d, par, tallies.counters)
    record(r, o, req, t, d, k, need, outcome, appt, gp, route, used, par, agenda, out, tallies, c)
    record_act(tallies, t, k, outcome, appt, gp, need, route, people.ald[p], people.age[p], par)


@njit(**JIT)
def book_day(req, extra, people, gps, lists, agenda, pools, par, out, carry, queue, tallies):
    """Book one day's requests in arrival order through the cascade (:func:`book_one`): the
    day's new requests ``req``, those carried from earlier days ``extra`` (both sorted by
    time) and those of the day that waited for practices to open (``queue``, filled as they
    are met), merged by time (at equal times in that order). Outputs of ``req`` go to
    ``out[0:n]``, those of ``extra`` after them; requests for later days are appended to
    ``carry``. ``lists`` holds the candidate lists of GPs who see occasional patients and of
    the shared rota."""
    others = lists.others
    rota = lists.rota
    n1 = req.t.shape[0]
    n2 = extra.t.shape[0]
    i = 0
    j = 0
    queue.n[0] = 0
    q = 0
    while True:
        ti = req.t[i] if i < n1 else np.inf
        tj = extra.t[j] if j < n2 else np.inf
        tq = queue.t[q] if q < queue.n[0] else np.inf
        if i >= n1 and j >= n2 and q >= queue.n[0]:
            break
        if i < n1 and ti <= tj and ti <= tq:
            prefetch_ahead(i, req, people, agenda, par)
            book_one(
                req, i, i, 0, ti, False, people, gps, others, rota, agenda, pools, par, out,
                carry, queue, tallies,
            )  # fmt: skip
            i += 1
        elif j < n2 and tj <= tq:
            book_one(
                extra, j, n1 + j, 1, tj, False, people, gps, others, rota, agenda, pools, par,
                out, carry, queue, tallies,
            )  # fmt: skip
            j += 1
        else:
            r = queue.idx[q]
            if queue.src[q] == 0:
                book_one(
                    req, r, r, 0, tq, True, people, gps, others, rota, agenda, pools, par, out,
                    carry, queue, tallies,
                )  # fmt: skip
            else:
                book_one(
                    extra, r, n1 + r, 1, tq, True, people, gps, others, rota, agenda, pools,
                    par, out, carry, queue, tallies,
                )  # fmt: skip
            q += 1
    return 0


@njit(**JIT)
def assign_mt(people_ids, people, gps, cap, ok_gp, cands, choice, fallback):
    """Give each of ``people_ids`` (in order) an MT near home with room; return how many failed.

    ``choice[i]`` is person ``i``'s key for the distance-weighted start (:func:`race_start`).
    A GP qualifies when ``ok_gp`` and, for adults, its list is under ``cap``. Candidates are
    tried from a distance-weighted start in order of distance; when none has room, the
    ``fallback`` list (all qualifying GPs, in a random order) is scanned from a moving cursor.
    Children are attached without counting towards lists.
    """
    mt = people.mt
    age = people.age
    list_size = gps.list_size
    failed = 0
    cursor = 0
    n_fb = fallback.shape[0]
    n_people = people_ids.shape[0]
    for i in range(n_people):
        if i + PF_PERSON < n_people:  # prefetch hints (no effect on results)
            q = people_ids[i + PF_PERSON]
            prefetch(mt, q)
            prefetch(age, q)
            prefetch(people.commune, q)
            prefetch(people.ald, q)
        p = people_ids[i]
        adult = age[p] >= 16
        c = people.commune[p]
        chosen = -1
        start = race_start(cands, c, choice[i])
        if start >= 0:
            lo = cands.ptr[c]
            length = cands.ptr[c + 1] - lo
            for j in range(length):
                g = cands.gp[lo + (start - lo + j) % length]
                if ok_gp[g] and (not adult or list_size[g] < cap[g]):
                    chosen = g
                    break
        if chosen < 0:
            while cursor < n_fb:
                g = fallback[cursor]
                if ok_gp[g] and (not adult or list_size[g] < cap[g]):
                    chosen = g
                    break
                cursor += 1
        if chosen < 0:
            failed += 1
            continue
        mt[p] = chosen
        if adult:
            list_size[chosen] += 1
            if people.ald[p]:
                gps.list_ald[chosen] += 1
    return failed


@njit(**JIT)
def third_next_available(free, gp_ok, s0, sess_start, t):
    """Mean over GPs of the days from ``t`` to their third free regular slot.

    GPs without three free slots before the end of the agenda count the agenda's end.
    """
    n_g, n_s = free.shape
    total = 0.0
    n = 0
    for g in range(n_g):
        if not gp_ok[g]:
            continue
        seen = 0
        s_found = n_s - 1
        for s in range(s0, n_s):
            seen += free[g, s]
            if seen >= 3:
                s_found = s
                break
        total += sess_start[s_found] - t
        n += 1
    if n == 0:
        return np.nan
    return total / n
