"""The fast reader of plain scenario files gives exactly what the round-trip reader gives
(values, types and the line of every key and item), or hands the file over to it."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from accesssim.scenario import fast_yaml
from accesssim.scenario.errors import InputError
from accesssim.scenario.loading import MAX_DEPTH, MAX_VALUES, _yaml_document

ROOT = Path(__file__).resolve().parents[2]
FILES = sorted([*ROOT.glob("scenarios/*.yaml"), *ROOT.glob("experiments/*.yaml")])

pytestmark = pytest.mark.skipif(fast_yaml.CParser is None, reason="PyYAML without libyaml")


def _same(text: str) -> bool:
    """True when the fast reader read ``text``, False when it handed it over; fails when it
    read it differently, or read a text the round-trip reader refuses."""
    fast = fast_yaml.plain_document(text, "f.yaml", MAX_DEPTH, MAX_VALUES)
    try:
        slow = _yaml_document(text, "f.yaml")
    except InputError:
        assert fast is None
        return False
    if fast is None:
        return False
    data, origin = fast
    assert repr(data) == repr(slow.data)
    assert origin == slow.origin
    return True


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_shipped_files_read_the_same(path: Path) -> None:
    _same(path.read_text(encoding="utf-8"))


def test_region_file_takes_the_fast_reader() -> None:
    assert _same((ROOT / "scenarios/auvergne-rhone-alpes.yaml").read_text(encoding="utf-8"))


SCALARS = [
    "yes", "no", "on", "off", "y", "true", "True", "TRUE", "false", "null", "Null", "~", "",
    "010", "0", "-0", "+5", "12", "0x1F", "0o17", "1_000", "1e3", "1E3", "1.5e3", "1.5e-3",
    "1.", ".5", "-.5", "+.5", "1.0", "-1.25", ".inf", "-.inf", ".nan", "2025-01-31",
    "2025-02-30", "2025-01-31 10:00:00", "1:20", "a b", "L'Abergement", "Clémenciat", "0.1.2",
    "'quoted'", '"12"', "'010'", '"a\\tb"', "=", "<<",
]  # fmt: skip


@pytest.mark.parametrize("scalar", SCALARS)
def test_scalars_read_the_same(scalar: str) -> None:
    _same(f"a: {scalar}\nb: [{scalar}, x]\nc:\n  - {scalar}\n")


@pytest.mark.parametrize(
    "text",
    [
        "a: &x 1\nb: *x\n",  # anchors and aliases
        "a: 1\na: 2\n",  # duplicate keys
        "a: !!str 5\n",  # tags
        "a: !foo 5\n",
        "retirement_by_age: {60: 0.1, 65: 0.5}\n",  # whole-number keys
        "%YAML 1.1\n---\na: yes\n",  # a directive
        "a: [1, 2\n",  # a syntax error
        "- 1\n- 2\n",  # not a mapping
        "a: 2025-01-31\n",  # a date
    ],
)
def test_other_files_go_to_the_round_trip_reader(text: str) -> None:
    assert fast_yaml.plain_document(text, "f.yaml", MAX_DEPTH, MAX_VALUES) is None


def test_nesting_and_values_beyond_the_limits_go_to_the_round_trip_reader() -> None:
    deep = "a: " + "[" * 70 + "]" * 70 + "\n"
    assert fast_yaml.plain_document(deep, "f.yaml", MAX_DEPTH, MAX_VALUES) is None
    many = "a: [" + ", ".join("1" for _ in range(50)) + "]\n"
    assert fast_yaml.plain_document(many, "f.yaml", MAX_DEPTH, 20) is None


def test_lines_of_keys_and_items() -> None:
    text = "# c\na: 1\nb:\n  - x\n  -\n    y: 2\n  - {z: 3,\n     w: 4}\nd: |\n  t\n  u\ne: 5\n"
    assert _same(text)


_words = st.sampled_from([*SCALARS[:40], "x", "name", "a-b", "12.5", "3"])


@given(
    st.dictionaries(
        st.sampled_from(["a", "b", "c", "d"]),
        st.one_of(_words, st.lists(_words, max_size=3)),
        min_size=1,
    ),
    st.booleans(),
)
def test_generated_files_read_the_same(fields: dict, flow: bool) -> None:
    lines = []
    for k, v in fields.items():
        if isinstance(v, list):
            if flow:
                lines.append(f"{k}: [{', '.join(v)}]")
            else:
                lines.append(f"{k}:" + "".join(f"\n  - {x}" for x in v) if v else f"{k}: []")
        else:
            lines.append(f"{k}: {v}")
    _same("\n".join(lines) + "\n")
