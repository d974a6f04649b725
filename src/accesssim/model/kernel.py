"""The booking kernel: records of arrays in, arrays out, compiled with numba (``cache=True``).

The source is plain Python over numpy arrays; with ``NUMBA_DISABLE_JIT=1`` it runs as is
(slowly), which a test does. No Python object is created per request: a day's requests are
columns of arrays sorted by arrival time (:class:`~accesssim.model.records.Requests`), agendas
are ``int16`` matrices of free slots (GP x session), lists and flags are integer vectors, and
results go into preallocated tallies. The state comes in a few records
(:mod:`accesssim.model.records`); the integer codes of kinds, outcomes, counters and weekly
columns come from :mod:`accesssim.vocabulary`.

The booking cascade (docs/model.md, section 2.1), one small function per step:

* planned request: :func:`step_nurse` (ALD follow-up, if the MT works with a policy nurse) ->
  :func:`step_own_mt` (regular slot within the continuity tolerance past the desired day) ->
  :func:`step_practice` (the earliest slot of the MT or a colleague of its practice before the
  end of patience) -> :func:`step_other_gps` (other GPs who see non-enrolled patients, nearest
  first) -> :func:`step_teleconsultation` -> forgone;
* unscheduled request (24 h or 48 h): own MT (reserved or regular slot before the deadline) ->
  colleague -> other GPs (when ``tries_other``) -> :func:`step_rota` (any participating GP's
  reserved slot) -> teleconsultation -> :func:`step_pharmacist` (eligible minor need) ->
  :func:`ed_or_forgone` (emergency department if severe enough, else forgone);
* a patient without an MT starts at "other GPs"; after a consultation with a GP who takes new
  patients, they may enrol (:func:`enrol_after_visit`). A GP takes new MT patients, and sees
  non-enrolled patients, while it is willing (``accepts``) and its list is under capacity
  (``list_size < cap_eff``).

:func:`book_day` runs the cascade for each request of a day in arrival order, then
:func:`record` files the outcome in the tallies.
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
    "assign_mt",
    "book_day",
    "ed_or_forgone",
    "enrol_after_visit",
    "first_session_after",
    "pharmacist_eligible",
    "record",
    "record_act",
    "release_until",
    "request_window",
    "step_nurse",
    "step_other_gps",
    "step_own_mt",
    "step_practice",
    "step_rota",
    "step_teleconsultation",
    "third_next_available",
]

# Integer codes, read as compile-time constants by numba (their names: accesssim.vocabulary).
PLANNED, U24, U48 = int(Kind.PLANNED), int(Kind.U24), int(Kind.U48)
OWN_MT, OTHER_GP, TELE = int(Outcome.OWN_MT), int(Outcome.OTHER_GP), int(Outcome.TELE)
PHARMACIST, NURSE, ED = int(Outcome.PHARMACIST), int(Outcome.NURSE), int(Outcome.ED)
FORGONE, PENDING = int(Outcome.FORGONE), int(Outcome.PENDING)
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
A_ED, A_SAS = int(Act.ED), int(Act.SAS)
P_PATHWAY, P_URGENT = int(PayClass.ADULT_PATHWAY), int(PayClass.ADULT_URGENT)
P_OUTSIDE, P_CHILD, P_INFANT = (
    int(PayClass.ADULT_OUTSIDE),
    int(PayClass.CHILD),
    int(PayClass.INFANT),
)
P_ALD = int(ALD_OFFSET)
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
        horizon_h = 1.0 if k == U24 else 2.0
        s_lo = s_first
        s_hi = min(first_session_after(t + horizon_h, par.am, par.pm) - 1, par.n_sessions - 1)
        last_day = int(np.floor(t + horizon_h))
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
def step_other_gps(agenda, gps, cands, c0, rkey, m, s_lo, s_hi, need, mode, max_tries):
    """Other GPs near the patient's commune ``c0``, from a distance-weighted start
    (:func:`race_start`, keyed by the request's ``rkey``).

    Up to ``max_tries`` candidates outside the MT's practice, in order of distance: without an
    MT (``m < 0``) only GPs taking new patients with room on their list; with an MT only GPs
    who see other GPs' patients. Returns ``(gp, session, reserved slots used)``; gp -1 if none.
    """
    start = race_start(cands, c0, rkey)
    if start < 0:
        return -1, -1, 0
    lo = cands.ptr[c0]
    length = cands.ptr[c0 + 1] - lo
    my_pr = gps.practice[m] if m >= 0 else -1
    for j in range(min(length, max_tries)):
        g = cands.gp[lo + (start - lo + j) % length]
        if gps.active[g] == 0 or gps.practice[g] == my_pr:
            continue
        if m < 0 and (gps.accepts[g] == 0 or gps.list_size[g] >= gps.cap_eff[g]):
            continue  # without an MT: only GPs taking new patients
        if m >= 0 and gps.sees_others[g] == 0:
            continue  # with an MT: GPs who see other GPs' patients
        s = scan(agenda.free, agenda.resv, g, s_lo, s_hi, need, mode)
        if s >= 0:
            return g, s, take(agenda.free, agenda.resv, g, s, need, mode)
    return -1, -1, 0


@njit(**JIT)
def step_rota(agenda, gps, cands, c0, rkey, s_lo, s_hi, need, max_tries):
    """The shared rota: the reserved slots of participating GPs, nearest first.

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
        s = scan(agenda.free, agenda.resv, g, s_lo, s_hi, need, 1)
        if s >= 0:
            return g, s, take(agenda.free, agenda.resv, g, s, need, 1)
    return -1, -1, 0


@njit(**JIT)
def step_teleconsultation(pools, k, t, first_day, last_day, tele_hour):
    """A teleconsultation on the first day in [first_day, last_day] with capacity left.

    Territory GPs first, then the platform; an unscheduled need only before its deadline.
    Returns ``(counter of the route, time)``; route -1 when none.
    """
    gp_left = pools.tele_gp
    plat_left = pools.tele_platform
    for dd in range(first_day, min(last_day, gp_left.shape[0] - 1) + 1):
        when = max(t, dd + tele_hour)
        if k != PLANNED and when > t + (1.0 if k == U24 else 2.0):
            break
        if gp_left[dd] > 0:
            gp_left[dd] -= 1
            return C_TELE_GP, when
        if plat_left[dd] > 0:
            plat_left[dd] -= 1
            return C_TELE_PLATFORM, when
    return -1, -1.0


@njit(**JIT)
def pharmacist_eligible(minor, age, female, par):
    """Whether a minor need may go to a pharmacist (2024 rules: sore throat from a minimum
    age, cystitis of women within an age range)."""
    sore = minor == 1 and age >= par.sore_min_age
    cyst = minor == 2 and female and par.cyst_min_age <= age <= par.cyst_max_age
    return sore or cyst


@njit(**JIT)
def ed_or_forgone(k, u_sev, par):
    """The end of an unmet request: the ED for severe enough unscheduled needs, else forgone."""
    if k != PLANNED and u_sev < (par.ed_share_24h if k == U24 else par.ed_share_48h):
        return ED
    return FORGONE


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
def record(r, req, t, d, k, need, outcome, appt, gp, route, used, par, agenda, out, tallies, c):
    """File request ``r`` (of a patient of commune ``c``): outputs, backlog, acts, counts,
    waits, weekly series, tallies by commune.

    Requests arriving in the measurement window are measured; an appointment after the
    horizon is ``PENDING``; GP acts and reserved slots used count when the appointment falls in
    the window.
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
    out.outcome[r] = final
    out.time[r] = appt
    out.gp[r] = gp
    if par.warmup <= d < par.horizon:
        tallies.counts[1, k, final] += 1
        if route >= 0:
            counters[route] += 1
        if outcome == OWN_MT and used > 0 and k != PLANNED:
            counters[C_OWN_RESERVED] += 1
        if need == 2 and gp >= 0:
            counters[C_HOME] += 1
        by_commune = tallies.commune
        if k != PLANNED:
            by_commune[c, K_UNSCHED] += 1
        if outcome == ED:
            by_commune[c, K_ED] += 1
        if k != PLANNED and seen and outcome != NURSE:
            if appt - t <= 1.0:
                counters[C_U24_MET] += 1
            if appt - t <= 2.0:
                counters[C_U48_MET] += 1
                by_commune[c, K_U48_MET] += 1
        if seen and outcome != PHARMACIST:
            w = appt_day - d
            tallies.hist[k, min(w, par.max_wait)] += 1
            tallies.fsums[F_WAIT + k] += appt - t
            if k == PLANNED:
                tallies.fsums[F_EXCESS] += max(0, appt_day - req.desired[r])
                tallies.fsums[F_EXCESS_N] += 1
    tallies.counts[0, k, final] += 1
    daily = tallies.daily
    if d < daily.shape[0]:
        if k != PLANNED:
            daily[d, D_UNSCHED] += 1
            if seen and outcome != NURSE and appt - t <= 2.0:
                daily[d, D_U48_MET] += 1
        if outcome == ED:
            daily[d, D_ED] += 1
    weekly = tallies.weekly
    wk = min(d // 7, par.n_weeks - 1)
    weekly[wk, W_REQUESTS] += 1
    if k == PLANNED:
        weekly[wk, W_PLANNED] += 1
        if seen:
            weekly[wk, W_PLANNED_SEEN] += 1
            weekly[wk, W_PLANNED_WAIT] += appt_day - d
    else:
        weekly[wk, W_UNSCHED] += 1
        if seen and appt - t <= 1.0:
            weekly[wk, W_U24_MET] += 1
        if seen and appt - t <= 2.0:
            weekly[wk, W_U48_MET] += 1
    if outcome == ED:
        weekly[wk, W_ED] += 1
    elif outcome == FORGONE:
        weekly[wk, W_FORGONE] += 1
    elif outcome == TELE:
        weekly[wk, W_TELE] += 1


@njit(**JIT)
def record_act(tallies, t, k, outcome, appt, gp, need, route, ald, age):
    """File the act a request ends in (if any) in ``tallies.acts``: by day and part of the day
    it takes place (:data:`accesssim.vocabulary.DAY_PARTS`), item (:class:`Act`) and patient
    class (:class:`PayClass`), for the costing. ED visits and pharmacist acts take place at the
    request time; GP, teleconsultation and nurse acts at the appointment. A GP act booked
    through the shared rota also files the SAS supplement. Acts after the horizon are not
    filed (they are pending)."""
    at_request = outcome == ED
    if outcome == PHARMACIST:
        at_request = True
    if at_request:
        when = t
    elif appt >= 0.0:
        when = appt
    else:
        return
    if outcome == ED:
        item = A_ED
    elif outcome == PHARMACIST:
        item = A_PHARMACIST
    elif outcome == NURSE:
        item = A_NURSE
    elif outcome == TELE:
        item = A_TELE_GP if route == C_TELE_GP else A_TELE_PLATFORM
    elif gp >= 0:
        item = A_HOME if need == 2 else A_OFFICE
    else:
        return
    day = int(np.floor(when))
    acts = tallies.acts
    if day < 0 or 3 * day + 2 >= acts.shape[0]:
        return
    h = (when - day) * 24.0 + 1e-6  # session starts are computed: 08:00 may read 07:59:59.99
    part = 0 if 8.0 <= h < 12.0 else (1 if 12.0 <= h < 20.0 else 2)
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
    row = 3 * day + part
    acts[row, item, cls] += 1
    if route == C_ROTA:
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
def book_day(req, people, gps, others, rota, agenda, pools, par, out, tallies):
    """Book one day's requests in arrival order through the cascade; fill ``out`` and
    ``tallies``. ``others`` and ``rota`` are the candidate lists of GPs who see non-enrolled
    patients and of the shared rota."""
    warm_s = 2 * par.warmup
    hor_s = 2 * par.horizon
    for r in range(req.t.shape[0]):
        prefetch_ahead(r, req, people, agenda, par)
        t = req.t[r]
        release_until(t, agenda, par.lose, tallies.counters, warm_s, hor_s)
        p = req.person[r]
        k = req.kind[r]
        desired = req.desired[r]
        d = int(np.floor(t))
        need = 2 if req.home[r] else 1
        m = people.mt[p]
        if m >= 0 and gps.active[m] == 0:
            m = -1
        s_lo, s_hi, last_day, mode = request_window(t, k, desired, req.patience[r], par)
        outcome = -1
        appt = -1.0
        gp = -1
        route = -1
        used = 0
        if (
            k == PLANNED
            and m >= 0
            and people.ald[p]
            and gps.nurse[m]
            and d >= par.nurse_start
            and req.u_nurse[r] < par.nurse_share
        ):
            appt = step_nurse(pools, t, max(desired, d), last_day, par.tele_hour)
            if appt >= 0.0:
                outcome = NURSE
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
                people.commune[p],
                req.choice[r],
                m,
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
        if outcome < 0 and k != PLANNED and d >= par.rota_start and s_lo <= s_hi:
            g, s, used = step_rota(
                agenda,
                gps,
                rota,
                people.commune[p],
                req.choice[r],
                s_lo,
                s_hi,
                need,
                par.max_tries,
            )
            if g >= 0:
                outcome = OTHER_GP
                route = C_ROTA
                gp = g
                appt = agenda.sess_start[s]
        if outcome < 0 and need == 1 and req.u_tele[r] < pools.tele_elig[k, people.band[p]]:
            first = max(d, desired) if k == PLANNED else d
            route, appt = step_teleconsultation(pools, k, t, first, last_day, par.tele_hour)
            if route >= 0:
                outcome = TELE
        if (
            outcome < 0
            and k != PLANNED
            and d >= par.pharm_start
            and req.minor[r] > 0
            and pharmacist_eligible(req.minor[r], people.age[p], people.female[p], par)
            and req.u_pharm[r] < par.pharm_share
        ):
            outcome = PHARMACIST
            appt = t
        if outcome < 0:
            outcome = ed_or_forgone(k, req.u_sev[r], par)
        if gp >= 0 and m < 0:
            enrol_after_visit(people, gps, p, gp, req.u_enrol[r], d, par, tallies.counters)
        c = people.commune[p]
        record(r, req, t, d, k, need, outcome, appt, gp, route, used, par, agenda, out, tallies, c)
        record_act(tallies, t, k, outcome, appt, gp, need, route, people.ald[p], people.age[p])
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
