"""The booking kernel: arrays in, arrays out, compiled with numba (``cache=True``).

The source is plain Python over numpy arrays; with ``NUMBA_DISABLE_JIT=1`` it runs as is
(slowly), which a test does. No Python object is created per request: a day's requests are
columns of arrays sorted by arrival time, agendas are ``int16`` matrices of free slots
(GP x session), lists and flags are integer vectors, and results go into preallocated
counters.

Booking cascade (see docs/model.md):

* planned request: nurse (ALD follow-up, if the MT works with a policy nurse) -> MT (regular
  slot within the continuity tolerance past the desired day) -> the earliest slot of the MT or
  a colleague of its practice before the end of patience -> other GPs who see non-enrolled
  patients, nearest first -> teleconsultation -> forgone;
* unscheduled request (24 h or 48 h): MT (reserved or regular slot before the deadline) ->
  colleague -> other GPs who see non-enrolled patients -> shared rota (any participating GP's
  reserved slot) -> teleconsultation -> pharmacist (eligible minor need) -> emergency
  department if severe enough -> forgone;
* a patient without an MT starts at "other GPs"; after a consultation with a GP who takes new
  patients, they may enrol. A GP takes new MT patients, and sees non-enrolled patients, while
  it is willing (``accepts``) and its list is under capacity (``list_size < cap_eff``).
"""

from __future__ import annotations

import numpy as np
from llvmlite import ir
from numba import njit, types
from numba.core import cgutils
from numba.extending import intrinsic, overload

__all__ = [
    "C_COLLEAGUE",
    "C_ENROL",
    "C_HOME",
    "C_OTHER",
    "C_OWN_RESERVED",
    "C_RELEASED",
    "C_ROTA",
    "C_TELE_GP",
    "C_TELE_PLATFORM",
    "C_U24_MET",
    "C_U48_MET",
    "KIND_NAMES",
    "N_COUNTERS",
    "N_OUTCOMES",
    "N_WEEKLY",
    "OUTCOME_NAMES",
    "assign_mt",
    "book_day",
    "release_until",
    "third_next_available",
]

# Request kinds
PLANNED, U24, U48 = 0, 1, 2
KIND_NAMES = ("planned", "unscheduled_24h", "unscheduled_48h")

# Outcomes: every request ends in exactly one.
OWN_MT, OTHER_GP, TELE, PHARMACIST, NURSE, ED, FORGONE, PENDING = range(8)
OUTCOME_NAMES = (
    "own_mt",
    "other_gp",
    "teleconsultation",
    "pharmacist",
    "nurse",
    "ed",
    "forgone",
    "pending",
)
N_OUTCOMES = 8

# Counters (measured requests only, except C_RELEASED which counts measured sessions)
C_ENROL = 0  # enrolments with a GP after a consultation
C_COLLEAGUE = 1  # seen by a colleague of the MT's practice
C_OTHER = 2  # seen by another GP who sees non-enrolled patients
C_ROTA = 3  # seen in a shared-rota reserved slot
C_OWN_RESERVED = 4  # unscheduled need seen by the MT in a reserved slot
C_TELE_GP = 5  # teleconsultation by a territory GP
C_TELE_PLATFORM = 6  # teleconsultation by the platform
C_HOME = 7  # home visits
C_RELEASED = 8  # reserved slots released unused (sessions inside the measurement window)
C_RESERVED_USED = 9  # reserved slots used (measured sessions)
C_U24_MET = 10  # unscheduled needs met (GP, teleconsultation, pharmacist) within 24 h
C_U48_MET = 11  # ... within 48 h
N_COUNTERS = 12

# Weekly series accumulated by arrival week
W_REQUESTS, W_PLANNED, W_PLANNED_SEEN, W_PLANNED_WAIT = 0, 1, 2, 3
W_UNSCHED, W_U24_MET, W_U48_MET, W_ED, W_FORGONE, W_TELE = 4, 5, 6, 7, 8, 9
N_WEEKLY = 10

# Float sums (measured)
F_WAIT = 0  # [0:3] sum of exact waits (days) per kind, seen requests
F_EXCESS = 3  # sum of excess waits of planned requests (days)
F_EXCESS_N = 4
N_FSUMS = 5

# Integer parameters
I_WARMUP, I_HORIZON, I_NSESS, I_ROTA_START, I_PHARM_START, I_SORE_MIN = 0, 1, 2, 3, 4, 5
I_CYST_MIN, I_CYST_MAX, I_TRIES_OTHER, I_MAX_TRIES, I_LOSE, I_NURSE_START = 6, 7, 8, 9, 10, 11
I_NWEEKS, I_MAXWAIT, I_MT_TOL = 12, 13, 14
N_IPAR = 15
# Float parameters
P_AM, P_PM, P_ENROL, P_ED24, P_ED48, P_PHARM_SHARE, P_NURSE_SHARE, P_TELE_HOUR = range(8)
N_FPAR = 8

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


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
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


@njit(cache=True)
def cand_start(ptr, cumw, c, u):
    """Offset of the first candidate of commune ``c``, drawn with the distance weights."""
    lo = ptr[c]
    hi = ptr[c + 1]
    if hi <= lo:
        return -1
    total = cumw[hi - 1]
    x = u * total
    k = np.searchsorted(cumw[lo:hi], x, side="right")
    if k >= hi - lo:
        k = hi - lo - 1
    return lo + k


@njit(cache=True)
def release_until(t, cursor, rel_time, sess_resv, free, resv, lose, counters, warm_s, hor_s):
    """Release the reserved slots of every session whose release time is <= ``t``."""
    n_s = rel_time.shape[0]
    s = cursor[0]
    n_g = free.shape[0]
    while s < n_s and rel_time[s] <= t:
        if sess_resv[s]:
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
    cursor[0] = s


@njit(cache=True)
def book_day(
    # requests of the day, sorted by time
    t_arr,
    person,
    kind,
    desired,
    patience,
    u_sev,
    u_tele,
    u_pharm,
    u_choice,
    u_enrol,
    u_nurse,
    minor,
    home,
    # people
    mt,
    age,
    band,
    ald,
    female,
    commune,
    # GPs and practices
    free,
    resv,
    gp_active,
    accepts,
    cap_eff,
    list_size,
    list_ald,
    gp_practice,
    prac_ptr,
    prac_members,
    rota,
    nurse_gp,
    sees_others,
    # candidates: GPs seeing non-enrolled patients, and rota GPs
    acc_ptr,
    acc_gp,
    acc_cumw,
    rota_ptr,
    rota_gp,
    rota_cumw,
    # calendar and pools
    sess_start,
    rel_time,
    sess_resv,
    cursor,
    appts_sess,
    tele_gp_left,
    tele_plat_left,
    nurse_left,
    tele_elig,
    # parameters
    ipar,
    fpar,
    # outputs
    out_outcome,
    out_time,
    out_gp,
    counts,
    hist,
    counters,
    fsums,
    weekly,
    acts_gp,
):
    """Book one day's requests in arrival order; fill the output arrays and counters."""
    am = fpar[P_AM]
    pm = fpar[P_PM]
    warm = ipar[I_WARMUP]
    hor = ipar[I_HORIZON]
    n_s = ipar[I_NSESS]
    max_tries = ipar[I_MAX_TRIES]
    max_wait = ipar[I_MAXWAIT]
    n_weeks = ipar[I_NWEEKS]
    warm_s = 2 * warm
    hor_s = 2 * hor
    n_days_pool = tele_gp_left.shape[0]
    n_req = t_arr.shape[0]
    for r in range(n_req):
        # Prefetch hints (no effect on results): the attributes of the person of request
        # r + PF_PERSON, and the agenda row of the MT of request r + PF_ROW around its first
        # session (its attributes were prefetched PF_PERSON - PF_ROW requests ago).
        if r + PF_PERSON < n_req:
            q = person[r + PF_PERSON]
            prefetch(mt, q)
            prefetch(commune, q)
            prefetch(ald, q)
            prefetch(band, q)
            prefetch(age, q)
            prefetch(female, q)
        if r + PF_ROW < n_req:
            r2 = r + PF_ROW
            m2 = mt[person[r2]]
            if m2 >= 0:
                s2 = first_session_after(t_arr[r2], am, pm)
                if kind[r2] == PLANNED:
                    s2 = max(s2, 2 * desired[r2])
                if s2 < n_s:
                    prefetch2(free, m2, s2)
                    if kind[r2] != PLANNED:
                        prefetch2(resv, m2, s2)
        t = t_arr[r]
        release_until(
            t, cursor, rel_time, sess_resv, free, resv, ipar[I_LOSE], counters, warm_s, hor_s
        )
        p = person[r]
        k = kind[r]
        d = int(np.floor(t))
        need = 2 if home[r] else 1
        m = mt[p]
        if m >= 0 and gp_active[m] == 0:
            m = -1
        s_first = first_session_after(t, am, pm)
        if k == PLANNED:
            s_lo = max(s_first, 2 * desired[r])
            last_day = desired[r] + int(patience[r])
            s_hi = min(2 * last_day + 1, n_s - 1)
            mode = 0
        else:
            horizon_h = 1.0 if k == U24 else 2.0
            s_lo = s_first
            s_hi = min(first_session_after(t + horizon_h, am, pm) - 1, n_s - 1)
            last_day = int(np.floor(t + horizon_h))
            mode = 2
        outcome = -1
        appt = -1.0
        gp = -1
        route = -1
        used_resv = 0
        # -- nurse (planned ALD follow-up of an MT working with a policy nurse) --------------
        if (
            k == PLANNED
            and m >= 0
            and ald[p]
            and nurse_gp[m]
            and d >= ipar[I_NURSE_START]
            and u_nurse[r] < fpar[P_NURSE_SHARE]
        ):
            for dd in range(max(desired[r], d), min(last_day, n_days_pool - 1) + 1):
                if nurse_left[dd] > 0:
                    nurse_left[dd] -= 1
                    outcome = NURSE
                    appt = max(t, dd + fpar[P_TELE_HOUR])
                    break
        # -- the MT (planned: within the continuity tolerance) --------------------------------
        if outcome < 0 and m >= 0 and s_lo <= s_hi:
            s_mt = s_hi
            if k == PLANNED:
                s_mt = min(s_hi, 2 * (desired[r] + ipar[I_MT_TOL]) + 1)
            s = scan(free, resv, m, s_lo, s_mt, need, mode)
            if s >= 0:
                used_resv = take(free, resv, m, s, need, mode)
                outcome = OWN_MT
                gp = m
                appt = sess_start[s]
        # -- the earliest slot of the MT or a colleague of its practice -----------------------
        if outcome < 0 and m >= 0 and s_lo <= s_hi:
            pr = gp_practice[m]
            best_s = scan(free, resv, m, s_lo, s_hi, need, mode) if k == PLANNED else -1
            best_g = m if best_s >= 0 else -1
            if best_s < 0:
                best_s = n_s
            for j in range(prac_ptr[pr], prac_ptr[pr + 1]):
                c = prac_members[j]
                if c == m or gp_active[c] == 0:
                    continue
                s = scan(free, resv, c, s_lo, min(s_hi, best_s - 1), need, mode)
                if s >= 0:
                    best_s = s
                    best_g = c
            if best_g >= 0:
                used_resv = take(free, resv, best_g, best_s, need, mode)
                gp = best_g
                appt = sess_start[best_s]
                if best_g == m:
                    outcome = OWN_MT
                else:
                    outcome = OTHER_GP
                    route = C_COLLEAGUE
        # -- other GPs who see non-enrolled patients, nearest first ---------------------------
        if outcome < 0 and s_lo <= s_hi and (m < 0 or k == PLANNED or ipar[I_TRIES_OTHER]):
            c0 = commune[p]
            start = cand_start(acc_ptr, acc_cumw, c0, u_choice[r])
            if start >= 0:
                lo = acc_ptr[c0]
                length = acc_ptr[c0 + 1] - lo
                my_pr = gp_practice[m] if m >= 0 else -1
                for j in range(min(length, max_tries)):
                    g = acc_gp[lo + (start - lo + j) % length]
                    if gp_active[g] == 0 or gp_practice[g] == my_pr:
                        continue
                    if m < 0 and (accepts[g] == 0 or list_size[g] >= cap_eff[g]):
                        continue  # without an MT: only GPs taking new patients
                    if m >= 0 and sees_others[g] == 0:
                        continue  # with an MT: GPs who see other GPs' patients
                    s = scan(free, resv, g, s_lo, s_hi, need, mode)
                    if s >= 0:
                        used_resv = take(free, resv, g, s, need, mode)
                        outcome = OTHER_GP
                        route = C_OTHER
                        gp = g
                        appt = sess_start[s]
                        break
        # -- shared rota: reserved slots of participating GPs (unscheduled only) --------------
        if outcome < 0 and k != PLANNED and d >= ipar[I_ROTA_START] and s_lo <= s_hi:
            c0 = commune[p]
            start = cand_start(rota_ptr, rota_cumw, c0, u_choice[r])
            if start >= 0:
                lo = rota_ptr[c0]
                length = rota_ptr[c0 + 1] - lo
                for j in range(min(length, max_tries)):
                    g = rota_gp[lo + (start - lo + j) % length]
                    if gp_active[g] == 0:
                        continue
                    s = scan(free, resv, g, s_lo, s_hi, need, 1)
                    if s >= 0:
                        used_resv = take(free, resv, g, s, need, 1)
                        outcome = OTHER_GP
                        route = C_ROTA
                        gp = g
                        appt = sess_start[s]
                        break
        # -- teleconsultation -------------------------------------------------------------------
        if outcome < 0 and need == 1 and u_tele[r] < tele_elig[k, band[p]]:
            d0 = max(d, desired[r]) if k == PLANNED else d
            for dd in range(d0, min(last_day, n_days_pool - 1) + 1):
                when = max(t, dd + fpar[P_TELE_HOUR])
                if k != PLANNED and when > t + (1.0 if k == U24 else 2.0):
                    break
                if tele_gp_left[dd] > 0:
                    tele_gp_left[dd] -= 1
                    outcome = TELE
                    route = C_TELE_GP
                    appt = when
                    break
                if tele_plat_left[dd] > 0:
                    tele_plat_left[dd] -= 1
                    outcome = TELE
                    route = C_TELE_PLATFORM
                    appt = when
                    break
        # -- pharmacist (minor unscheduled needs) ---------------------------------------------
        if outcome < 0 and k != PLANNED and d >= ipar[I_PHARM_START] and minor[r] > 0:
            a = age[p]
            sore = minor[r] == 1 and a >= ipar[I_SORE_MIN]
            cyst = minor[r] == 2 and female[p] and ipar[I_CYST_MIN] <= a <= ipar[I_CYST_MAX]
            if (sore or cyst) and u_pharm[r] < fpar[P_PHARM_SHARE]:
                outcome = PHARMACIST
                appt = t
        # -- emergency department or forgone ---------------------------------------------------
        if outcome < 0:
            if k != PLANNED and u_sev[r] < (fpar[P_ED24] if k == U24 else fpar[P_ED48]):
                outcome = ED
            else:
                outcome = FORGONE
        # -- enrolment after a consultation with a GP who takes new patients -------------------
        if (
            gp >= 0
            and m < 0
            and accepts[gp]
            and list_size[gp] < cap_eff[gp]
            and u_enrol[r] < fpar[P_ENROL]
        ):
            if age[p] < 16:
                mt[p] = gp
            else:
                mt[p] = gp
                list_size[gp] += 1
                if ald[p]:
                    list_ald[gp] += 1
                if warm <= d < hor:
                    counters[C_ENROL] += 1
        # -- bookkeeping -----------------------------------------------------------------------
        seen = appt >= 0.0
        appt_day = int(np.floor(appt)) if seen else -1
        if gp >= 0:
            s_b = first_session_after(appt - 1e-9, am, pm)
            appts_sess[s_b] += 1
            if warm <= appt_day < hor:
                acts_gp[gp] += 1
                if used_resv > 0:
                    counters[C_RESERVED_USED] += used_resv
        final = outcome
        if seen and appt_day >= hor:
            final = PENDING
        out_outcome[r] = final
        out_time[r] = appt
        out_gp[r] = gp
        measured = warm <= d < hor
        if measured:
            counts[1, k, final] += 1
            if route >= 0:
                counters[route] += 1
            if outcome == OWN_MT and used_resv > 0 and k != PLANNED:
                counters[C_OWN_RESERVED] += 1
            if need == 2 and gp >= 0:
                counters[C_HOME] += 1
            if k != PLANNED and seen and outcome != NURSE:
                if appt - t <= 1.0:
                    counters[C_U24_MET] += 1
                if appt - t <= 2.0:
                    counters[C_U48_MET] += 1
            if seen and outcome != PHARMACIST:
                w = appt_day - d
                hist[k, min(w, max_wait)] += 1
                fsums[F_WAIT + k] += appt - t
                if k == PLANNED:
                    fsums[F_EXCESS] += max(0, appt_day - desired[r])
                    fsums[F_EXCESS_N] += 1
        counts[0, k, final] += 1
        wk = min(d // 7, n_weeks - 1)
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
    return 0


@njit(cache=True)
def assign_mt(
    people,
    mt,
    age,
    ald,
    commune,
    list_size,
    list_ald,
    cap,
    ok_gp,
    cand_ptr,
    cand_gp,
    cand_cumw,
    u_choice,
    fallback,
):
    """Give each of ``people`` (in order) an MT near home with room; return how many failed.

    A GP qualifies when ``ok_gp`` and, for adults, its list is under capacity. Candidates are
    tried from a distance-weighted start in order of distance; when none has room, the
    ``fallback`` list (all qualifying GPs, in a random order) is scanned from a moving cursor.
    Children are attached without counting towards lists.
    """
    failed = 0
    cursor = 0
    n_fb = fallback.shape[0]
    n_people = people.shape[0]
    for i in range(n_people):
        if i + PF_PERSON < n_people:  # prefetch hints (no effect on results)
            q = people[i + PF_PERSON]
            prefetch(mt, q)
            prefetch(age, q)
            prefetch(commune, q)
            prefetch(ald, q)
        p = people[i]
        adult = age[p] >= 16
        c = commune[p]
        chosen = -1
        start = cand_start(cand_ptr, cand_cumw, c, u_choice[i])
        if start >= 0:
            lo = cand_ptr[c]
            length = cand_ptr[c + 1] - lo
            for j in range(length):
                g = cand_gp[lo + (start - lo + j) % length]
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
            if ald[p]:
                list_ald[chosen] += 1
    return failed


@njit(cache=True)
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
