"""Seeds and named random streams.

One root ``numpy.random.SeedSequence(seed)``; replication ``i`` is its child ``i`` (spawn key
``(i,)``); inside a replication every random component draws from its own stream, keyed by a
stable hash of the component's name (BLAKE2b, never Python's ``hash()`` and never a list
position). A stream is used either as a generator (``streams[name]``) or, for draws that belong
to an entity (a person, a GP, a request), as a 64-bit key (``streams.key(name)``) of the
counter-based draws of :mod:`accesssim.model.keyed`. Adding a component, or drawing more from
one, never shifts another's numbers: this is what gives common random numbers between
scenarios run with the same seed.

Seed 0 is a seed like any other.
"""

from __future__ import annotations

import hashlib

import numpy as np

__all__ = ["Streams", "name_key", "replication_seed_sequence", "text_keys"]


def name_key(name: str) -> int:
    """A stable 64-bit integer for a stream name."""
    return int.from_bytes(hashlib.blake2b(name.encode("utf-8"), digest_size=8).digest(), "little")


def text_keys(texts: list[str]) -> np.ndarray:
    """Stable 64-bit keys (uint64) of entity names: a GP's id, a commune's INSEE code."""
    return np.array([name_key(t) for t in texts], dtype=np.uint64)


def replication_seed_sequence(seed: int, replication: int) -> np.random.SeedSequence:
    """The seed sequence of replication ``replication`` under root ``seed``.

    Identical to ``SeedSequence(seed).spawn(replication + 1)[replication]`` without spawning
    the earlier children.
    """
    if seed < 0 or replication < 0:
        raise ValueError("seed and replication must be >= 0")
    return np.random.SeedSequence(entropy=seed, spawn_key=(replication,))


class Streams:
    """Named independent generators for one replication.

    >>> s = Streams(seed=1, replication=0)
    >>> a = s["demand.time"].random()
    >>> Streams(1, 0)["demand.time"].random() == a
    True
    """

    def __init__(self, seed: int, replication: int = 0) -> None:
        self.seed = int(seed)
        self.replication = int(replication)
        self._root = replication_seed_sequence(self.seed, self.replication)
        self._cache: dict[str, np.random.Generator] = {}

    def seed_sequence(self, name: str) -> np.random.SeedSequence:
        """The seed sequence of stream ``name`` (for child processes or sub-streams)."""
        return np.random.SeedSequence(
            entropy=self._root.entropy,
            spawn_key=(*self._root.spawn_key, name_key(name)),
        )

    def key(self, name: str) -> np.uint64:
        """The 64-bit key of stream ``name`` for counter-based draws keyed by entity
        (:mod:`accesssim.model.keyed`): the first word of the stream's seed sequence.

        >>> Streams(1, 0).key("population.age") == Streams(1, 0).key("population.age")
        True
        >>> Streams(1, 0).key("population.age") != Streams(1, 1).key("population.age")
        True
        """
        return self.seed_sequence(name).generate_state(1, np.uint64)[0]

    def __getitem__(self, name: str) -> np.random.Generator:
        gen = self._cache.get(name)
        if gen is None:
            gen = np.random.Generator(np.random.PCG64(self.seed_sequence(name)))
            self._cache[name] = gen
        return gen
