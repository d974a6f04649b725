"""Hand-made bad inputs, each one clear message and exit code 2 (docs/reliability.md).

Every case runs the command line in this process (``validate`` for files and fields, ``run``
for options and output folders; none starts a simulation). Each must exit with code 2, print
only ``WHERE: field: reason`` lines on standard error (no traceback, no internal Python name,
no raw terminal escape) and name what is wrong. The table covers: files that are not regular
text (devices, pipes, directories, binary, other encodings, too large), YAML that is malformed,
tagged, too deep or an alias bomb, overlays (``extends:``) that are missing or cyclic, invalid
calendar dates, non-finite numbers and numbers past the schema's limits, values of the wrong
type (``true`` for a count), and bad options and output folders.
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from accesssim.cli import app
from accesssim.scenario.loading import MAX_DEPTH, MAX_FILE_BYTES

BASE = """\
name: bad-input-base
population: {size: 2000}
gps: {count: 2}
calendar: {horizon_days: 35, warmup_days: 7}
"""

INTERNAL = (
    "Traceback",
    "Commented",
    "instance of",
    "mean_value",
    "ruamel",
    "pydantic",
    "ValidationError",
    "ValueError",
    "TypeError",
    "KeyError",
    "RecursionError",
    "MemoryError",
    "datetime.date(",
    "\x1b",
)
LINE = re.compile(r"^\S.*?: \S.*?: \S.*$")


def _bomb() -> str:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    lines += [f"a{i}: &a{i} [" + ", ".join([f"*a{i - 1}"] * 10) + "]" for i in range(1, 10)]
    return "\n".join(lines) + "\n"


# (id, file content, expected fragment): `accesssim validate bad.yaml`.
FILES: list[tuple[str, str | bytes, str]] = [
    ("empty", "", "the file is empty"),
    ("only-comments", "# nothing\n", "holds no data"),
    ("null-document", "~\n", "holds no data"),
    ("list-root", "- a\n- b\n", "must be a mapping"),
    ("scalar-root", "just text\n", "must be a mapping"),
    ("number-root", "42\n", "must be a mapping"),
    ("binary-nul", b"name: x\n\x00\x01\x02", "bad.yaml:2: (document): not a text file"),
    ("latin-1", b"name: caf\xe9\n", "bad.yaml:1: (document): not UTF-8"),
    ("latin-1-line-3", b"a: 1\nb: 2\nname: \xff\n", "bad.yaml:3: (document): not UTF-8"),
    ("utf-16", "name: x\n".encode("utf-16"), "not"),
    ("unclosed-bracket", "population: {size: [1\n", "YAML syntax"),
    ("bad-indent", "population:\n  size: 1\n bad: 2\n", "YAML syntax"),
    ("tab-indent", "population:\n\tsize: 1\n", "YAML syntax"),
    ("duplicate-key", BASE + "name: again\n", "duplicate key"),
    ("number-key", BASE + "1: x\n", "text name"),
    ("python-tag", "name: !!python/object:os.system x\n", "not allowed"),
    ("python-apply", "name: !!python/object/apply:os.system [ls]\n", "not allowed"),
    ("binary-tag", "name: !!binary aGVsbG8=\n", "tag"),
    ("custom-tag", "name: !custom 3\n", "tag"),
    ("set-tag", "name: !!set {a, b}\n", "not allowed"),
    ("set-syntax", "name:\n  ? a\n  ? b\n", "bad.yaml:1: name: input should be a valid string"),
    ("omap-tag", "name: !!omap [{a: 1}]\n", "bad.yaml:1: name:"),
    ("complex-key", "? [a, b]\n: 1\n", "text name"),
    ("alias-bomb", _bomb(), "more than 500,000 values"),
    ("deep-flow", "a: " + "{b: " * 5000 + "1" + "}" * 5000 + "\n", f"{MAX_DEPTH} levels"),
    ("deep-list", "a: " + "[" * 5000 + "]" * 5000 + "\n", f"{MAX_DEPTH} levels"),
    (
        "deep-block",
        "".join("  " * i + f"k{i}:\n" for i in range(100)) + "  " * 100 + "x: 1\n",
        f"{MAX_DEPTH} levels",
    ),
    ("self-alias", "name: &a [1, *a]\n", "name"),
    ("undefined-alias", "name: *nothing\n", "YAML syntax"),
    ("two-documents", BASE + "---\nname: two\n", "YAML syntax"),
    ("too-large", "name: x\ndescription: '" + "x" * MAX_FILE_BYTES + "'\n", "too large"),
    ("unknown-field", BASE + "populaton: {size: 3}\n", "did you mean"),
    ("population-number", "name: x\npopulation: 5\n", "expected a mapping of fields (got 5)"),
    ("gps-list", "name: x\npopulation: {size: 9}\ngps: [1, 2]\n", "expected a mapping"),
    ("name-list", "name: [1]\npopulation: {size: 9}\n", "name"),
    ("no-population", "name: x\n", "give population.size or territory.communes"),
    ("extends-missing", "extends: nowhere.yaml\n" + BASE, "not found"),
    ("extends-number", "extends: 3\n" + BASE, "must be a file name"),
    ("extends-self", "extends: bad.yaml\n" + BASE, "cycle"),
    ("extends-dev-zero", "extends: /dev/zero\n" + BASE, "not a regular file"),
    ("extends-directory", "extends: .\n" + BASE, "directory"),
    ("start-feb-30", BASE.replace("horizon_days: 35", "start_date: 2025-02-30"), "start_date"),
    ("start-month-13", BASE.replace("horizon_days: 35", "start_date: 2025-13-01"), "start_date"),
    ("start-year-0", BASE.replace("horizon_days: 35", "start_date: 0000-01-01"), "start_date"),
    ("start-9999", BASE.replace("horizon_days: 35", "start_date: 9999-12-31"), "2199-12-31"),
    ("start-1800", BASE.replace("horizon_days: 35", "start_date: 1800-01-01"), "1900-01-01"),
    ("start-time-25h", BASE.replace("horizon_days: 35", "start_date: 2025-01-01 25:61:00"), "hour"),
    (
        "closed-feb-29",
        BASE.replace("horizon_days: 35", "horizon_days: 35, closed_days: [2025-02-29]"),
        "calendar.closed_days.0",
    ),
    ("start-text", BASE.replace("horizon_days: 35", "start_date: tomorrow"), "start_date"),
    (
        "gp-start-apr-31",
        BASE.replace("gps: {count: 2}", "gps: {roster: [{id: a, start: 2025-04-31}]}"),
        "gps.roster.0.start",
    ),
    (
        "ansi-in-key",
        BASE + "\x1b[31mred: 1\n",
        "bad.yaml:5: (document): YAML syntax: control character U+001B",
    ),
]

# (id, --set override on BASE, expected fragment): `accesssim validate base.yaml --set X`.
SETS: list[tuple[str, str, str]] = [
    ("density-inf", "gps.density_per_100k=.inf", "finite number"),
    ("density-nan", "gps.density_per_100k=.nan", "finite number"),
    ("density-neg-inf", "gps.density_per_100k=-.inf", "finite number"),
    ("density-huge", "gps.density_per_100k=1e300", "less than or equal to 10000000"),
    ("count-true", "gps.count=true", "expected a number, got true"),
    ("count-false", "gps.count=false", "expected a number, got false"),
    ("size-true", "population.size=true", "expected a number"),
    ("slots-false", "gps.slots_per_session=false", "expected a number"),
    ("size-1e9", "population.size=1e9", "less than or equal to 70000000"),
    ("size-10e40", "population.size=" + "1" + "0" * 40, "less than or equal to 70000000"),
    ("size-float", "population.size=12.5", "population.size"),
    ("size-negative", "population.size=-5", "greater than or equal to 0"),
    ("size-text", "population.size=many", "population.size"),
    ("size-list", "population.size=[1]", "population.size"),
    ("size-null", "calendar.horizon_days=null", "calendar.horizon_days"),
    ("count-1e8", "gps.count=1e8", "less than or equal to 60000"),
    ("count-huge-int", "gps.count=" + "9" * 30, "less than or equal to 60000"),
    (
        "communes-sum",
        "territory.communes=[{insee: '01001', name: a, population: 69000000}, "
        "{insee: '01002', name: b, population: 69000000}]",
        "at most 70,000,000",
    ),
    ("gp-limit", "policies.installations=[{date: 1, count: 60000}]", "at most 60,000"),
    ("roster-capacity-1e12", "gps.roster=[{id: a, list_capacity: 1000000000000}]", "100000"),
    ("newcomer-capacity", "gps.newcomer_list_capacity=1000000000000", "100000"),
    (
        "capacity-dist-huge",
        "gps.list_capacity_per_fte={kind: uniform, low: 1, high: 1e12}",
        "at most",
    ),
    ("fte-dist-huge", "gps.fte={kind: triangular, low: 0.5, mode: 1, high: 100}", "at most 1.5"),
    (
        "newcomer-age-huge",
        "gps.newcomer_age={kind: triangular, low: 0, mode: 0, high: 1e300}",
        "at most 80 years",
    ),
    ("newcomer-age-negative", "gps.newcomer_age=-5", "cannot be negative"),
    ("fte-dist-nan", "gps.fte={kind: fixed, value: .nan}", "finite number"),
    ("contacts-inf", "demand.contacts_per_year.ald.age_0_15=.inf", "finite number"),
    ("contacts-nan", "demand.contacts_per_year.non_ald.age_75_plus=.nan", "finite number"),
    ("contacts-1e6", "demand.contacts_per_year.non_ald.age_16_59=1e6", "at most 365"),
    ("weekday-inf", "demand.weekday_profile.mon=.inf", "finite number"),
    (
        "weekday-all-zero",
        "demand.weekday_profile={mon: 0, tue: 0, wed: 0, thu: 0, fri: 0, sat: 0, sun: 0}",
        "positive",
    ),
    ("lead-uniform-inf", "demand.planned_lead_days={kind: uniform, low: 0, high: .inf}", "finite"),
    (
        "lead-uniform-huge",
        "demand.planned_lead_days={kind: uniform, low: 0, high: 1e300}",
        "at most 1,000,000 days",
    ),
    (
        "lead-normal-nan-mu",
        "demand.planned_lead_days={kind: normal, mu: .nan, sd: 1, low: 0}",
        "finite",
    ),
    (
        "lead-normal-nan-high",
        "demand.planned_lead_days={kind: normal, mu: 1, sd: 1, low: 0, high: .nan}",
        ".nan",
    ),
    ("lead-exp-inf", "demand.planned_lead_days={kind: exponential, mean: .inf}", "finite"),
    (
        "lead-exp-negative",
        "demand.planned_lead_days={kind: exponential, mean: -1}",
        "greater than 0",
    ),
    ("lead-exp-missing", "demand.planned_lead_days={kind: exponential}", "planned_lead_days.mean"),
    ("lead-kind-unknown", "demand.planned_lead_days={kind: gamma, shape: 2}", "planned_lead_days"),
    (
        "lead-triangular-order",
        "demand.planned_lead_days={kind: triangular, low: 5, mode: 1, high: 9}",
        "low <= mode",
    ),
    ("patience-negative", "demand.planned_patience_days=-3", "cannot be negative"),
    ("patience-fixed-huge", "demand.planned_patience_days=1e18", "at most 1,000,000 days"),
    ("tolerance-huge", "demand.planned_mt_tolerance_days=1e300", "less than or equal to 1000000"),
    (
        "epidemic-duration-tiny",
        "demand.epidemic.duration_weeks=1e-300",
        "greater than or equal to 0.1",
    ),
    ("epidemic-peak-400", "demand.epidemic.peak_day_of_year=400", "less than or equal to 366"),
    ("share-above-one", "demand.unscheduled_share=1.5", "less than or equal to 1"),
    ("share-inf", "population.female_share=.inf", "finite"),
    (
        "age-shares-sum",
        "population.age_shares={age_0_15: 0.5, age_16_59: 0.5, age_60_74: 0.5, age_75_plus: 0}",
        "sum to 1",
    ),
    ("horizon-0", "calendar.horizon_days=0", "greater than 0"),
    ("horizon-huge", "calendar.horizon_days=100000", "less than or equal to 5840"),
    ("warmup-too-long", "calendar.warmup_days=35", "shorter"),
    ("session-noon", "calendar.sessions.mon=[noon]", "calendar.sessions.mon.0"),
    (
        "no-session",
        "calendar.sessions={mon: [], tue: [], wed: [], thu: [], fri: [], sat: [], sun: []}",
        "at least one",
    ),
    ("hour-24", "calendar.morning_start_hour=24", "less than 24"),
    ("decay-tiny", "territory.distance_decay_km=1e-300", "greater than or equal to 0.01"),
    ("insee-bad", "territory.communes=[{insee: 'ABCDE', name: a, population: 9}]", "insee"),
    ("lat-100", "territory.communes=[{insee: '01001', name: a, population: 9, lat: 100}]", "lat"),
    (
        "tele-capacity-huge",
        "policies.teleconsultation={platform_daily_capacity: 1e300}",
        "less than or equal to 1000000",
    ),
    (
        "tele-minutes-tiny",
        "policies.teleconsultation={minutes_per_act: 1e-300}",
        "greater than or equal to 1",
    ),
    ("tele-cost-inf", "policies.teleconsultation={cost_per_act_eur: .inf}", "finite"),
    ("pharm-cost-inf", "policies.pharmacists={cost_per_act_eur: .inf}", "finite"),
    (
        "pharm-cost-huge",
        "policies.pharmacists={cost_per_act_eur: 1e308}",
        "less than or equal to 1000000000",
    ),
    (
        "pharm-ages",
        "policies.pharmacists={cystitis_min_age: 60, cystitis_max_age: 20}",
        "cystitis_max_age",
    ),
    ("rota-cost-nan", "policies.unscheduled_slots={rota_cost_per_year_eur: .nan}", "finite"),
    (
        "reserved-share-1",
        "policies.unscheduled_slots={reserved_share: 1}",
        "less than or equal to 0.9",
    ),
    ("nurse-fte-huge", "policies.nurses={fte: 1e300}", "less than or equal to"),
    ("nurse-acts-huge", "policies.nurses={acts_per_fte_day: 1e300}", "less than or equal to 1000"),
    ("nurse-gps-tiny", "policies.nurses={gps_per_fte: 1e-300}", "greater than or equal to 0.01"),
    ("nurse-kind", "policies.nurses={kind: doctor}", "policies.nurses.kind"),
    ("assistants-count-inf", "policies.medical_assistants={count_fte: .inf}", "finite"),
    ("assistants-no-count", "policies.medical_assistants={}", "give count_fte"),
    (
        "assistants-aid-inf",
        "policies.medical_assistants={count_fte: 1, cnam_aid_per_fte_eur: [.inf]}",
        "finite",
    ),
    (
        "mt-access-huge",
        "policies.mt_access={monthly_capacity: 1e40}",
        "monthly_capacity",
    ),
    (
        "installations-count",
        "policies.installations=[{date: 3, count: 1000000000}]",
        "less than or equal to 60000",
    ),
    ("installations-capacity", "policies.installations=[{date: 3, list_capacity: 1e12}]", "100000"),
    (
        "installations-date",
        "policies.installations=[{date: 2025-02-30}]",
        "policies.installations.0.date",
    ),
    ("installations-outside", "policies.installations=[{date: 9999}]", "outside the horizon"),
    ("retirement-empty", "policies.retirements=[{date: 3}]", "give gp_ids or a count"),
    ("retirement-count-huge", "policies.retirements=[{date: 3, count: " + "9" * 40 + "}]", "60000"),
    (
        "retirement-unknown-gp",
        "policies.retirements=[{date: 3, gp_ids: [nobody]}]",
        "unknown GP id",
    ),
    ("policy-start-date", "policies.pharmacists={start: 2025-13-01}", "policies.pharmacists.start"),
    ("policy-unknown", "policies.rota={}", "policies.rota"),
    (
        "dist-unknown-field",
        "demand.planned_lead_days={kind: exponential, mean: 3, foo: 1}",
        "allowed: high, low, mean,",
    ),
    ("set-typo-in-alias", "demand.planned_lead_days.men=3", "did you mean 'mean'?"),
    ("set-no-equals", "gps.count", "expected PATH=VALUE"),
    ("set-unknown-path", "gps.cuont=3", "did you mean 'count'"),
    ("set-empty-segment", "gps..count=3", "empty field name"),
    ("set-bad-yaml", "gps.count=[1", "YAML syntax"),
    ("set-index-out", "gps.roster.5.id=x", "out of range"),
]

# (id, arguments after `accesssim run SCENARIO`, expected fragment).
OPTIONS: list[tuple[str, list[str], str]] = [
    ("format-xml", ["--format", "xml"], "expected table, json or csv"),
    ("executor-threads", ["--executor", "threads"], "expected serial, processes or dask"),
    ("replications-0", ["-r", "0"], "--replications"),
    ("seed-negative", ["--seed", "-1"], "--seed"),
    ("horizon-0", ["--horizon", "0"], "--horizon"),
    ("horizon-huge", ["--horizon", "99999"], "calendar.horizon_days"),
    ("workers-0", ["--workers", "0"], "--workers"),
    ("report-without-out", ["--report"], "give --out DIR"),
    ("resume-without-out", ["--resume"], "--resume needs --out DIR"),
    ("overwrite-without-out", ["--overwrite"], "--overwrite needs --out DIR"),
    ("resume-and-overwrite", ["--resume", "--overwrite", "--out", "{tmp}/o"], "exclude each other"),
    ("dask-not-an-address", ["--dask-address", "not an address"], "not a scheduler address"),
    ("dask-inproc", ["--dask-address", "inproc://x"], "not a scheduler address"),
    ("out-is-a-file", ["--out", "{tmp}/base.yaml"], "exists and is not a directory"),
    ("out-below-a-file", ["--out", "{tmp}/base.yaml/sub"], "Not a directory"),
    ("out-in-proc", ["--out", "/proc/accesssim-results"], "cannot write"),
    ("out-in-dev-null", ["--out", "/dev/null/x"], "cannot write"),
    ("out-foreign-files", ["--out", "{tmp}/foreign"], "is not empty"),
    ("out-overwrite-foreign", ["--out", "{tmp}/foreign", "--overwrite"], "did not write"),
    ("out-resume-foreign", ["--out", "{tmp}/foreign", "--resume"], "no readable experiment.json"),
    ("set-unknown", ["--set", "nothing.here=1"], "unknown field"),
]


def invoke(*args: object) -> tuple[int, str]:
    """Run the command line in this process: (exit code, stderr)."""
    result = CliRunner().invoke(app, [str(a) for a in args])
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return result.exit_code, result.stderr


def check(code: int, err: str, expected: str) -> None:
    assert code == 2, err
    lines = err.strip().splitlines()
    assert lines, "no message"
    assert all(LINE.match(line) for line in lines), lines
    leaked = [word for word in INTERNAL if word in err]
    assert not leaked, err
    assert expected in err, err


@pytest.fixture
def base(tmp_path: Path) -> Path:
    path = tmp_path / "base.yaml"
    path.write_text(BASE, encoding="utf-8")
    return path


@pytest.mark.parametrize(("content", "expected"), [c[1:] for c in FILES], ids=[c[0] for c in FILES])
def test_bad_file(tmp_path: Path, content: str | bytes, expected: str) -> None:
    path = tmp_path / "bad.yaml"
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    check(*invoke("validate", path), expected)


@pytest.mark.parametrize(("override", "expected"), [c[1:] for c in SETS], ids=[c[0] for c in SETS])
def test_bad_field(base: Path, override: str, expected: str) -> None:
    check(*invoke("validate", base, "--set", override), expected)


def _special(tmp_path: Path) -> dict[str, Callable[[], Any]]:
    def fifo() -> Path:
        path = tmp_path / "fifo.yaml"
        os.mkfifo(path)
        return path

    def link() -> Path:
        path = tmp_path / "zero.yaml"
        path.symlink_to("/dev/zero")
        return path

    def directory() -> Path:
        path = tmp_path / "folder.yaml"
        path.mkdir()
        return path

    return {
        "missing": lambda: tmp_path / "missing.yaml",
        "dev-zero": lambda: Path("/dev/zero"),
        "dev-null": lambda: Path("/dev/null"),
        "dev-urandom": lambda: Path("/dev/urandom"),
        "fifo": fifo,
        "link-to-dev-zero": link,
        "directory": directory,
        "proc-self-mem": lambda: Path("/proc/self/mem"),
    }


SPECIAL = {
    "missing": "file not found",
    "dev-zero": "not a regular file",
    "dev-null": "not a regular file",
    "dev-urandom": "not a regular file",
    "fifo": "not a regular file",
    "link-to-dev-zero": "not a regular file",
    "directory": "is a directory",
    "proc-self-mem": "",
}


@pytest.mark.parametrize("kind", list(SPECIAL))
def test_bad_path(tmp_path: Path, kind: str) -> None:
    path = _special(tmp_path)[kind]()
    check(*invoke("validate", path), SPECIAL[kind])


@pytest.mark.parametrize(
    ("args", "expected"), [c[1:] for c in OPTIONS], ids=[c[0] for c in OPTIONS]
)
def test_bad_option(base: Path, tmp_path: Path, args: list[str], expected: str) -> None:
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "notes.txt").write_text("mine")
    filled = [a.replace("{tmp}", str(tmp_path)) for a in args]
    code, err = invoke("run", base, "--executor", "serial", *filled)
    if err.startswith("Usage:") or ("Error" in err and "│" in err):
        # An option typer itself refuses (a number out of range): its own usage message.
        assert expected in err, err
        assert "Traceback" not in err
        return
    check(code, err, expected)
    assert (foreign / "notes.txt").read_text() == "mine"


def test_names_are_printed_without_terminal_escapes(tmp_path: Path) -> None:
    path = tmp_path / "ansi.yaml"
    path.write_text(BASE.replace("bad-input-base", '"\\e[31mred\\e[0m \\u202e"'))
    result = CliRunner().invoke(app, ["validate", str(path)])
    assert result.exit_code == 0
    assert "\x1b" not in result.stdout
    assert "\u202e" not in result.stdout
    assert "\\x1b[31mred" in result.stdout


def test_count_of_hand_made_bad_inputs() -> None:
    """The table holds at least the 109 kinds of the reliability review."""
    assert len(FILES) + len(SETS) + len(SPECIAL) + len(OPTIONS) >= 109


def test_compare_refuses_arms_costed_differently(base: Path, tmp_path: Path) -> None:
    # The differences of a comparison subtract the arms' costs: an alternative costed for
    # another payer (or discounted at another rate) would mix them.
    alt = tmp_path / "alt.yaml"
    alt.write_text(
        f"extends: {base.name}\nname: other-payer\ncosts:\n  perspective: patient\n",
        encoding="utf-8",
    )
    code, err = invoke("compare", base, alt, "-r", "1", "--executor", "serial")
    check(code, err, "alt.yaml:4: costs.perspective: patient here but amo in the baseline")
    rate = tmp_path / "rate.yaml"
    rate.write_text(f"extends: {base.name}\ncosts: {{discount_rate: 0.04}}\n", encoding="utf-8")
    code, err = invoke("compare", base, rate, "-r", "1", "--executor", "serial")
    check(code, err, "rate.yaml:2: costs.discount_rate: 0.04 here but 0.025 in the baseline")
