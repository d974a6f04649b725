"""Sweep experiment files with levers, mixes and uncertainties (and scaled factors).

* every mix runs at the same uncertainty samples (mix-major order, a ``mix`` column);
* a ``scale: true`` factor multiplies the base scenario's value at each of its paths;
* mistakes in mixes come back as ``FILE:LINE: field: reason``; a Sobol design cannot be
  crossed; factors and uncertainties cannot be mixed.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from accesssim.experiment.sweep import design_frame, load_experiment, scenario_at
from accesssim.scenario.errors import InputError

BASE = """\
name: tiny
population: {size: 2000}
gps: {count: 2}
policies:
  teleconsultation: {platform_daily_capacity: 3}
  nurses: {fte: 0}
"""

EXP = """\
name: crossed
base: base.yaml
levers:
  - {path: policies.nurses.fte, range: [0, 2], name: nurses}
mixes:
  - {name: none, values: {nurses: 0}}
  - {name: two, values: {nurses: 2}}
uncertainties:
  - {path: gps.departure_rate_60_plus, range: [0.0, 0.3], name: retirement}
  - {path: policies.teleconsultation.eligible.planned.age_16_59, range: [0.5, 1.5],
     scale: true, also: [policies.teleconsultation.eligible.planned.age_0_15], name: uptake}
design: {kind: lhs, points: 5, seed: 1}
"""


@pytest.fixture
def write(tmp_path: Path):
    (tmp_path / "base.yaml").write_text(BASE, encoding="utf-8")

    def w(text: str) -> Path:
        path = tmp_path / "exp.yaml"
        path.write_text(text, encoding="utf-8")
        return path

    return w


def test_every_mix_runs_at_the_same_samples(write) -> None:
    exp = load_experiment(write(EXP))
    frame = design_frame(exp)
    assert len(frame) == 10
    assert frame["mix"].tolist() == ["none"] * 5 + ["two"] * 5
    a, b = frame[frame.mix == "none"], frame[frame.mix == "two"]
    assert a["retirement"].tolist() == b["retirement"].tolist()
    assert set(a["nurses"]) == {0}
    assert set(b["nurses"]) == {2}


def test_a_scale_factor_multiplies_the_base_values(write) -> None:
    exp = load_experiment(write(EXP))
    base = exp.base_scenario.policies.teleconsultation.eligible.planned
    point = dict(exp.points[7])
    scn = scenario_at(exp, point)
    got = scn.policies.teleconsultation.eligible.planned
    k = point["policies.teleconsultation.eligible.planned.age_16_59"]
    assert got.age_16_59 == pytest.approx(k * base.age_16_59)
    assert got.age_0_15 == pytest.approx(k * base.age_0_15)  # the `also` path
    assert got.age_60_74 == base.age_60_74  # untouched
    assert scn.policies.nurses.fte == 2


@pytest.mark.parametrize(
    ("change", "where"),
    [
        (("values: {nurses: 2}", "values: {nurse: 2}"), "exp.yaml:7: mixes.1.values.nurse"),
        (("values: {nurses: 2}", "values: {}"), "exp.yaml:7: mixes.1.values: no value"),
        (("values: {nurses: 2}", "values: {nurses: -1}"), "exp.yaml:7: mixes.1:"),
        (("kind: lhs, points: 5", "kind: sobol, base_samples: 4"), "exp.yaml:12: design.kind"),
        (
            ("range: [0.5, 1.5],\n     scale: true", "levels: [1, 2],\n     scale: true"),
            "exp.yaml:10: uncertainties.1",
        ),
    ],
)
def test_mistakes_are_located(write, change: tuple[str, str], where: str) -> None:
    assert change[0] in EXP
    with pytest.raises(InputError) as info:
        load_experiment(write(EXP.replace(*change)))
    text = "\n".join(str(p) for p in info.value.problems)
    assert where in text, text


def test_factors_and_uncertainties_do_not_mix(write) -> None:
    text = EXP.replace("levers:", "factors:\n  - {path: gps.count, range: [1, 3]}\nlevers:")
    with pytest.raises(InputError, match="not both"):
        load_experiment(write(text))
