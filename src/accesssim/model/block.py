"""A block of days booked in one compiled call.

Between two midnights at which something else happens (a GP change, life events, a snapshot, a
policy's process: :func:`accesssim.model.engine.booking_blocks`) the days of a block are booked
one after the other, each with the requests earlier days carried to it. :func:`book_block` does
the whole block in one compiled call: for each day, the day's new requests, the rows carried to
the day (:class:`~accesssim.model.records.Pending`, read as
:meth:`~accesssim.model.demand.DemandGenerator.carried` reads them), the booking
(:func:`accesssim.model.kernel.book_day`) and the rows it carries to later days (:func:`park`).
The numbers are those of booking the days one call at a time: the same functions in the same
order. What it saves is the interpreter's work between days (slicing a day's columns, three
compiled calls and their arguments, the carried rows' quantiles), which a small territory pays
every day: about a fifth of a ten-year run of a territory of 26,500 people
(``benchmarks/bench_engines.py``).

Planned carried rows need the lead-time and patience quantiles of the scenario's
distributions: the compiled call computes those of a fixed, uniform or triangular distribution
(the defaults) with the formulas of :mod:`accesssim.scenario.distributions`, operation for
operation. A scenario with another distribution there (normal, exponential), or a run that logs
its requests, is booked a day at a time (:func:`compiled_quantiles` returns None).
"""

from __future__ import annotations

import numpy as np
from numba import njit

from accesssim.model import keyed
from accesssim.model.demand import DemandGenerator, _carried_columns, _park, chain_length, park
from accesssim.model.kernel import book_day
from accesssim.model.records import (
    Carry,
    GPLists,
    Outputs,
    Pending,
    Requests,
    new_carry,
    new_outputs,
    new_queue,
    no_requests,
)
from accesssim.scenario.distributions import Fixed, Triangular, Uniform

__all__ = ["book_block", "compiled_quantiles", "room_for"]

_FIXED, _UNIFORM, _TRIANGULAR = 0, 1, 2


def compiled_quantiles(gen: DemandGenerator) -> np.ndarray | None:
    """The planned lead time's and patience's distributions as the compiled call reads them
    (one row each: code, then parameters), or None when one has no compiled quantile."""
    rows = []
    for dist in (gen.demand.planned_lead_days, gen.demand.planned_patience_days):
        if isinstance(dist, Fixed):
            rows.append([_FIXED, dist.value, 0.0, 0.0])
        elif isinstance(dist, Uniform):
            rows.append([_UNIFORM, dist.low, dist.high, 0.0])
        elif isinstance(dist, Triangular):
            rows.append([_TRIANGULAR, dist.low, dist.mode, dist.high])
        else:
            return None
    return np.array(rows, dtype=np.float64)


@njit(cache=True, nogil=True)
def _quantile(q, u):
    """The quantile at ``u`` of the distribution of row ``q`` (:func:`compiled_quantiles`),
    computed as its ``ppf`` computes it."""
    code = q[0]
    if code == _FIXED:
        return q[1]
    if code == _UNIFORM:
        return q[1] + u * (q[2] - q[1])
    a, c, b = q[1], q[2], q[3]
    if b == a:
        return a
    fc = (c - a) / (b - a)
    if u < fc:
        return a + np.sqrt(u * (b - a) * (c - a))
    return b - np.sqrt((1 - u) * (b - a) * (b - c))


@njit(cache=True, nogil=True)
def _carried_requests(columns, quantiles, empty):
    """:meth:`DemandGenerator._requests` of a day's carried ``columns``: planned rows booked
    ahead get their lead time, planned rows their patience; the uniforms the kernel draws
    itself are the empty columns of ``empty``."""
    ts, t0s, roots, attempts, origins, persons, kind, minor, home, asap, desired, u_lead, \
        u_patience = columns  # fmt: skip
    patience = np.zeros(ts.size, dtype=np.float32)
    for i in range(ts.size):
        if kind[i] != 0:
            continue
        if asap[i] == 0:
            lead = np.ceil(max(_quantile(quantiles[0], u_lead[i]), 0.0))
            desired[i] += np.int32(max(lead, 1.0))
        patience[i] = np.float32(max(_quantile(quantiles[1], u_patience[i]), 0.0))
    no_u = empty.u_sev
    return Requests(
        ts, persons, kind, desired, patience, no_u, no_u, no_u, empty.choice, no_u, no_u, minor,
        home, roots, attempts, origins, t0s, no_u, no_u, no_u, no_u,
    )  # fmt: skip


@njit(cache=True, nogil=True)
def _rows(r, lo, hi):
    """Rows ``lo`` to ``hi - 1`` of requests ``r``."""
    return Requests(
        r.t[lo:hi], r.person[lo:hi], r.kind[lo:hi], r.desired[lo:hi], r.patience[lo:hi],
        r.u_sev[lo:hi], r.u_tele[lo:hi], r.u_pharm[lo:hi], r.choice[lo:hi], r.u_enrol[lo:hi],
        r.u_nurse[lo:hi], r.minor[lo:hi], r.home[lo:hi], r.root[lo:hi], r.attempt[lo:hi],
        r.origin[lo:hi], r.t0[lo:hi], r.u_direct[lo:hi], r.u_next[lo:hi], r.u_delay[lo:hi],
        r.u_first[lo:hi],
    )  # fmt: skip


ROOM, PARK = 1, 2
"""Why :func:`_book_days` stopped before the end of its block: the day's requests need more
room in the output and carry buffers; the day's carried rows need a larger pending record."""


@njit(cache=True, nogil=True)
def _book_days(
    req, first, end, pending, lives, quantiles, empty, people, gps, lists, agenda, pools, par,
    buf, carry, queue, tallies, carried,
):  # fmt: skip
    """Book days ``first`` to ``end - 1`` (see :func:`book_block`). Returns ``(0, end, 0)``,
    or ``(ROOM, day, rows)`` before booking ``day`` (nothing of it done) when its ``rows`` do
    not fit the buffers, or ``(PARK, day, 0)`` after booking ``day`` when its carried rows could
    not be parked. ``carried[0]`` counts the carried requests booked."""
    entry, exit_, age0, bday, bounds, shares, streams = lives
    for day in range(first, end):
        lo = np.searchsorted(req.t, np.float64(day))
        hi = np.searchsorted(req.t, np.float64(day + 1))
        n1 = hi - lo
        has_carried = pending.head[day] >= 0
        room = n1 + (chain_length(pending, day) if has_carried else 0)
        if room > buf.outcome.shape[0] or room > carry.t.shape[0]:
            return ROOM, day, room
        extra = empty
        if has_carried:
            columns = _carried_columns(
                pending, day, entry, exit_, age0, bday, bounds, shares, streams
            )
            extra = _carried_requests(columns, quantiles, empty)
        n = n1 + extra.t.shape[0]
        carried[0] += extra.t.shape[0]
        carry.n[0] = 0
        out = Outputs(buf.outcome[:n], buf.time[:n], buf.gp[:n], buf.asked[:n])
        book_day(
            _rows(req, lo, hi), extra, people, gps, lists, agenda, pools, par, out, carry,
            queue, tallies,
        )  # fmt: skip
        if not _park(pending, carry):
            return PARK, day, 0
    return 0, end, 0


def room_for(run: object, n: int, buf: Outputs, carry: Carry) -> tuple[Outputs, Carry]:
    """Output and carry buffers (and ``run.queue``) with room for a day of ``n`` requests:
    those given, or larger ones (a quarter more, plus 1,024)."""
    if n > buf.outcome.size:
        buf = new_outputs(int(n * 1.25) + 1024)
    if n > carry.t.size:
        carry = new_carry(int(n * 1.25) + 1024)
        run.queue = new_queue(carry.t.size)
    return buf, carry


def book_block(
    run: object,
    req: Requests,
    first: int,
    end: int,
    quantiles: np.ndarray,
    buffers: tuple[Outputs, Carry, Pending],
) -> tuple[Outputs, Carry, Pending]:
    """Book days ``first`` to ``end - 1`` of ``run`` (an :class:`~accesssim.model.engine.Run`)
    in one compiled call: ``req`` are the block's new requests (sorted by time), ``quantiles``
    those of :func:`compiled_quantiles`, ``buffers`` the output and carry buffers and the
    pending record, returned (grown when needed; the buffers may grow a little earlier than
    in the day-at-a-time booking, which counts only the carried rows of people still there:
    sizes never change a result)."""
    buf, carry, pending = buffers
    gen = run.demand
    age0, bday, _, entry, exit_ = gen.lives
    lives = (entry, exit_, age0, bday, gen.bounds, gen.shares, gen.keys)
    lists = GPLists(run.others, run.rota)
    carried = np.zeros(1, dtype=np.int64)
    day = first
    while day < end:
        with keyed.wrapping():
            why, day, rows = _book_days(
                req, day, end, pending, lives, quantiles, _EMPTY, run.people, run.gps, lists,
                run.agenda, run.pools, run.par, buf, carry, run.queue, run.tallies, carried,
            )  # fmt: skip
        if why == ROOM:
            buf, carry = room_for(run, int(rows), buf, carry)
        elif why == PARK:
            pending = park(pending, carry)
            day += 1
    run.carried += int(carried[0])
    return buf, carry, pending


_EMPTY = no_requests()
