"""Policies: one module per policy block of a scenario.

Each module of this package defines ``POLICY``, an instance of a :class:`Policy` subclass that
owns everything about one block of ``policies:`` in a scenario file:

* ``compile``: the block (pydantic) -> a frozen record in model units (days, shares, euros);
* its preparation, through the hooks of :class:`Policy` the model calls while it builds a run
  (GPs it adds or removes, GPs it picks, what it does to agendas, list capacities, pools and
  the booking kernel's thresholds, processes it runs during the simulation);
* its cost (``cost``);
* its planner-facing description: ``label``, ``short``, ``what``, ``levers`` (the controls the
  app shows, with units), ``describe`` (what it does with its parameters, in words) and
  ``cost_words`` (how it is costed).

Modules are found here by name; ``POLICIES`` lists them in ``order`` (the order of the
schema's ``Policies`` block), which fixes the order of their hooks, costs and descriptions.
Adding a policy is its schema block, its module here and its tests: see docs/howto-policy.md.
"""

from __future__ import annotations

import importlib
import pkgutil

from accesssim.model.policies.base import Describe, Lever, Policy

__all__ = ["POLICIES", "POLICY_BY_KEY", "Describe", "Lever", "Policy"]


def _discover() -> tuple[Policy, ...]:
    found = []
    for info in pkgutil.iter_modules(__path__):
        if info.name.startswith("_") or info.name == "base":
            continue
        module = importlib.import_module(f"{__name__}.{info.name}")
        found.append(module.POLICY)
    return tuple(sorted(found, key=lambda p: p.order))


POLICIES: tuple[Policy, ...] = _discover()
"""Every policy, in ``order``."""

POLICY_BY_KEY: dict[str, Policy] = {p.key: p for p in POLICIES}
