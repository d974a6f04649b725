"""Counter-based random numbers keyed by entity: a draw is a pure function of
``(stream, entity, counter)``.

A draw no longer depends on how many draws came before it in a vector, so adding an inhabitant
or a GP changes exactly the draws that belong to it: every other person keeps their age, sex,
chronic condition and requests, every other GP its working time, pattern and leave (common
random numbers that hold when the territory changes; Starsim's keyed streams, and Random123's
counter-based generators, Salmon et al. 2011, are the model).

The generator is a keyed hash. Keys are 64-bit integers: a stream's key comes from the
replication's ``SeedSequence`` and a BLAKE2b hash of the stream's name
(:meth:`accesssim.rng.Streams.key`); an entity's key from what identifies it in the scenario
(a person: its commune's INSEE code and its rank in the commune; a GP: its roster id or
generated label); a counter is a small integer (an index, a day, a year). They are combined with
the SplitMix64 finaliser (Steele, Lea and Flood 2014; Stafford's "Mix13" constants), a bijection
of 64-bit words with full avalanche, as ``mix(stream ^ mix(entity + G1) ^ mix(counter + G2))``
(two different odd constants); the top 53 bits give a uniform in [0, 1). A hot loop that draws
several streams for one entity mixes the entity once (:func:`premix`, :func:`uniform_pre`).
``tests/unit/test_keyed.py`` checks uniformity, independence between neighbouring entities and
counters, and that streams differ.

All arithmetic is on unsigned 64-bit words (wrapping), in numba; the same source runs as plain
Python with ``NUMBA_DISABLE_JIT=1`` (callers silence numpy's overflow warnings with
:data:`WRAP`).
"""

from __future__ import annotations

import contextlib

import numpy as np
from numba import config, njit

__all__ = [
    "WRAP",
    "combine",
    "combine_many",
    "counter_mix",
    "key",
    "key_order",
    "mix",
    "poisson",
    "poisson_inverse",
    "poisson_small",
    "premix",
    "premix_many",
    "uniform",
    "uniform_pre",
    "uniforms",
    "uniforms_2d",
    "unit",
    "wrapping",
]

_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_COUNTER = np.uint64(0xD1B54A32D192ED03)  # another odd constant: counters never cancel entities
_S30, _S27, _S31 = np.uint64(30), np.uint64(27), np.uint64(31)
_S11 = np.uint64(11)
_TO_UNIT = 1.0 / 9007199254740992.0  # 2 ** -53

WRAP = {"over": "ignore"}
"""``np.errstate`` arguments for plain-Python runs: 64-bit words wrap around on purpose."""


def wrapping() -> contextlib.AbstractContextManager:
    """``np.errstate(**WRAP)`` when the code runs as plain Python (``NUMBA_DISABLE_JIT=1``),
    else nothing to do (compiled code never warns): the context costs a tenth of a
    millisecond, which counts in loops over days."""
    return np.errstate(**WRAP) if config.DISABLE_JIT else contextlib.nullcontext()


@njit(cache=True)
def mix(z):
    """SplitMix64's finaliser: a bijection of 64-bit words with full avalanche."""
    z = (z ^ (z >> _S30)) * _M1
    z = (z ^ (z >> _S27)) * _M2
    return z ^ (z >> _S31)


@njit(cache=True)
def combine(a, b):
    """A key for the pair ``(a, b)`` (order matters)."""
    return mix(np.uint64(a) ^ mix(np.uint64(b) + _GOLDEN))


@njit(cache=True)
def premix(entity):
    """The entity's mixed key, shared by every stream drawn for it."""
    return mix(np.uint64(entity) + _GOLDEN)


@njit(cache=True)
def counter_mix(counter):
    """The counter's mixed key."""
    return mix(np.uint64(counter) + _COUNTER)


@njit(cache=True)
def key(stream, entity, counter):
    """The 64-bit key of ``(stream, entity, counter)`` (its top bits make :func:`uniform`)."""
    return mix(np.uint64(stream) ^ premix(entity) ^ counter_mix(counter))


@njit(cache=True)
def uniform(stream, entity, counter):
    """The uniform in [0, 1) of ``(stream, entity, counter)``."""
    return unit(key(stream, entity, counter))


@njit(cache=True)
def uniform_pre(stream, pre, cmix):
    """:func:`uniform` from ``pre = premix(entity)`` and ``cmix = counter_mix(counter)``."""
    return unit(mix(stream ^ pre ^ cmix))


@njit(cache=True)
def combine_many(a, b):
    """``combine(a, b[i])`` for every key ``b[i]`` (``a`` a key or an array of keys)."""
    n = b.shape[0]
    out = np.empty(n, dtype=np.uint64)
    for i in range(n):
        out[i] = combine(a, b[i])
    return out


@njit(cache=True)
def premix_many(entities):
    """:func:`premix` of every key."""
    out = np.empty(entities.shape[0], dtype=np.uint64)
    for i in range(entities.shape[0]):
        out[i] = premix(entities[i])
    return out


@njit(cache=True)
def uniforms(stream, entities, counter):
    """The uniform of ``(stream, entities[i], counter)`` for every entity, float64."""
    n = entities.shape[0]
    out = np.empty(n, dtype=np.float64)
    for i in range(n):
        out[i] = uniform(stream, entities[i], counter)
    return out


@njit(cache=True)
def uniforms_2d(stream, entities, n_counters):
    """``[i, j]``: the uniform of ``(stream, entities[i], j)`` for ``j < n_counters``."""
    n = entities.shape[0]
    out = np.empty((n, n_counters), dtype=np.float64)
    for i in range(n):
        for j in range(n_counters):
            out[i, j] = uniform(stream, entities[i], j)
    return out


@njit(cache=True)
def unit(h):
    """A uniform in [0, 1) from the top 53 bits of the 64-bit word ``h``."""
    return np.float64(h >> _S11) * _TO_UNIT


@njit(cache=True)
def poisson_inverse(mean, u):
    """The Poisson(``mean``) count whose CDF first exceeds ``u`` (inverse transform).

    The loop runs about ``mean + 1`` times; meant for means up to :data:`POISSON_PART`.
    """
    if mean <= 0.0:
        return 0
    return inverse_from(mean, np.exp(-mean), u)


@njit(cache=True)
def inverse_from(mean, p0, u):
    """The inverse-transform loop of a Poisson(``mean``) count with ``p0 = exp(-mean)``."""
    p = p0
    cdf = p
    k = 0
    while u >= cdf and p > 0.0:
        k += 1
        p *= mean / k
        cdf += p
    return k


POISSON_PART = 64.0
"""Largest mean drawn by one inverse transform; larger means are sums of parts."""


@njit(cache=True)
def poisson_small(mean, p0, h):
    """A Poisson(``mean``) count from the key ``h``, given ``p0 = exp(-mean)`` computed once
    for many draws of the same mean (exact at any mean: large means go to :func:`poisson`)."""
    if mean <= 0.0:
        return 0
    if mean > POISSON_PART:
        return poisson(mean, h)
    return inverse_from(mean, p0, unit(mix(h ^ _GOLDEN)))


@njit(cache=True)
def poisson(mean, h):
    """A Poisson(``mean``) count from the 64-bit key ``h``: exact at any mean, as a sum of
    independent parts of mean at most :data:`POISSON_PART`, each from its own uniform."""
    if mean <= 0.0:
        return 0
    parts = int(np.ceil(mean / POISSON_PART))
    each = mean / parts
    k = 0
    for i in range(parts):
        k += poisson_inverse(each, unit(mix(h ^ mix(np.uint64(i) + _GOLDEN))))
    return k


@njit(cache=True)
def key_order(keys: np.ndarray) -> np.ndarray:
    """The permutation (int32) that sorts 64-bit ``keys`` by their top 32 bits, equal ones in
    index order: a random order when the keys are keyed hashes, in which adding an entity only
    inserts it (stable LSD radix sort, three digits of 11, 11 and 10 bits: each pass's 2,048
    counters stay in the first-level cache)."""
    n = keys.shape[0]
    order = np.arange(n, dtype=np.int32)
    digit = (keys >> np.uint64(32)).astype(np.uint32)
    tmp_order = np.empty(n, dtype=np.int32)
    tmp_digit = np.empty(n, dtype=np.uint32)
    counts = np.empty(2049, dtype=np.int64)
    for shift in (0, 11, 22):
        s = np.uint32(shift)
        counts[:] = 0
        for i in range(n):
            counts[((digit[i] >> s) & np.uint32(0x7FF)) + 1] += 1
        for d in range(2048):
            counts[d + 1] += counts[d]
        for i in range(n):
            d = (digit[i] >> s) & np.uint32(0x7FF)
            j = counts[d]
            tmp_order[j] = order[i]
            tmp_digit[j] = digit[i]
            counts[d] = j + 1
        order, tmp_order = tmp_order, order
        digit, tmp_digit = tmp_digit, digit
    return order
