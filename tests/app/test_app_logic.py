"""The app's logic layer (``accesssim.app.logic``), without Streamlit.

Seed territories are found where the docs say; every lever belongs to the schema and carries
its description; unchanged levers give the baseline itself; moved levers give the overrides
that ``--set`` would give; uploaded files fail with the command line's messages, named after
the uploaded file; runs are cached per replication and per comparison; the results directory
is an ordinary compare directory that the report reads; and the ``app`` command.
"""

from __future__ import annotations

import datetime as dt
import importlib.util
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from typer.testing import CliRunner

from accesssim import load_scenario
from accesssim.app import APP_FILE
from accesssim.app import logic as L
from accesssim.experiment import dump_scenario_yaml
from accesssim.report import load_results
from accesssim.scenario import ScenarioError
from accesssim.scenario.schema import Policies
from helpers import BASE

#: The shared tiny territory, named ``tiny``, with today's reserved same-day slots.
TINY = BASE.replace("name: tiny-territory", "name: tiny").replace(
    "policies:\n",
    "policies:\n  unscheduled_slots: {reserved_share: 0.25, release_day: same, "
    "release_time_hours: 12}\n",
)


@pytest.fixture
def tiny(tmp_path: Path) -> L.Baseline:
    path = tmp_path / "tiny.yaml"
    path.write_text(TINY, encoding="utf-8")
    return L.load_seed(path)


def _alt(baseline: L.Baseline, values: dict[str, Any], name: str = "tiny-alt") -> Any:
    base = L.resolve(baseline.document)
    overrides = L.build_overrides(base, values)
    return L.resolve(baseline.document, [f"name={name}", *overrides]), overrides


# ---------------------------------------------------------------------------------------------
# Seed territories
# ---------------------------------------------------------------------------------------------


def test_seed_territories_found_in_the_repository(repo_root: Path) -> None:
    seeds = L.seed_territories(repo_root)
    assert list(seeds) == list(L.SEEDS)  # all six, in the documented order
    assert "auvergne-rhone-alpes" not in seeds
    assert all(p.is_file() for p in seeds.values())
    assert L.seed_label("monts-du-lyonnais", seeds["monts-du-lyonnais"]) == (
        "Monts du Lyonnais (49,047 inhabitants)"
    )


def test_working_directory_scenarios_come_first(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, repo_root: Path
) -> None:
    (tmp_path / "scenarios").mkdir()
    mine = tmp_path / "scenarios" / "venissieux.yaml"
    mine.write_text(TINY, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    dirs = L.scenario_dirs()
    assert dirs[0] == tmp_path / "scenarios"
    assert (repo_root / "scenarios").resolve() in [d.resolve() for d in dirs]
    seeds = L.seed_territories()
    assert seeds["venissieux"] == mine  # the working directory's own file wins
    assert seeds["monts-du-lyonnais"].parent.resolve() == (repo_root / "scenarios").resolve()


def test_default_horizon_reads_the_environment(
    tiny: L.Baseline, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(L.ENV_HORIZON, raising=False)
    assert L.default_horizon(tiny) == 120
    monkeypatch.setenv(L.ENV_HORIZON, "100")
    assert L.default_horizon(tiny) == 100
    assert L.horizon_overrides(tiny, 100) == ["calendar.horizon_days=100"]
    assert L.horizon_overrides(tiny, 120) == []
    monkeypatch.setenv(L.ENV_HORIZON, "soon")
    assert L.default_horizon(tiny) == 120


def test_territory_facts(repo_root: Path) -> None:
    base = L.resolve(L.load_seed(repo_root / "scenarios" / "monts-du-lyonnais.yaml").document)
    facts = L.territory_facts(base)
    assert facts["population"] == 49047
    assert facts["communes"] == 30
    assert facts["gps"] == 38
    assert facts["without_mt_share"] == pytest.approx(0.10)
    assert facts["practices"].startswith("generated")
    assert [p["key"] for p in facts["policies"]] == ["unscheduled_slots", "teleconsultation"]


# ---------------------------------------------------------------------------------------------
# Levers and overrides
# ---------------------------------------------------------------------------------------------


def test_every_policy_block_has_levers_from_the_schema() -> None:
    assert {b.name for b in L.BLOCKS} == set(Policies.model_fields)
    for block in L.BLOCKS:
        assert block.levers
        assert block.what
        for lever in block.levers:
            assert lever.model is not None
            assert lever.field in lever.model.model_fields
            assert lever.help, f"{lever.key} has no schema description"
            if lever.widget in ("percent", "number", "integer", "hour"):
                assert lever.unit, f"{lever.key} has no unit"
    # every block is costed in words
    base = load_scenario(Path(__file__).parents[2] / "scenarios" / "monts-du-lyonnais.yaml")
    values = L.lever_defaults(base)
    for block in L.BLOCKS:
        assert L.block_cost_words(block, values, base).startswith("Cost")


@pytest.mark.parametrize(
    ("widget", "value"), [("percent", 0.3), ("percent", 0.07), ("hour", 12.5), ("integer", 40)]
)
def test_lever_units_round_trip(widget: str, value: float) -> None:
    lever = L.Lever(block="b", field="f", label="x", widget=widget)  # type: ignore[arg-type]
    assert lever.from_ui(lever.to_ui(value)) == value


def test_unchanged_levers_are_the_baseline(repo_root: Path) -> None:
    for path in L.seed_territories(repo_root).values():
        baseline = L.load_seed(path)
        base = L.resolve(baseline.document)
        assert L.build_overrides(base, L.lever_defaults(base)) == []
        alt = L.resolve(baseline.document, ["name=same"])
        assert dump_scenario_yaml(alt).replace("name: same", f"name: {base.name}", 1) == (
            dump_scenario_yaml(base)
        )


def test_moved_levers_make_set_overrides(tiny: L.Baseline) -> None:
    base = L.resolve(tiny.document)
    values = L.lever_defaults(base)
    values.update(
        {
            "unscheduled_slots.reserved_share": 0.35,
            "unscheduled_slots.shared_rota": True,
            "unscheduled_slots.rota_cost_per_year_eur": 21000.0,
            "teleconsultation.on": False,
            "pharmacists.on": True,
            "pharmacists.handled_share": 0.6,
            "installations.count": 2,
            "installations.date": dt.date(2025, 3, 3),
            "installations.incentive_cost_eur": 50000.0,
            "retirements.count": 1,
            "mt_access.on": True,
            "mt_access.monthly_capacity": 30,
        }
    )
    alt, overrides = _alt(tiny, values)
    assert "policies.unscheduled_slots.reserved_share=0.35" in overrides
    assert "policies.teleconsultation=" in overrides
    pol = alt.policies
    assert pol.unscheduled_slots.reserved_share == 0.35
    assert pol.unscheduled_slots.shared_rota is True
    assert pol.unscheduled_slots.release_day == "same"  # untouched: the baseline's
    assert pol.teleconsultation is None
    assert pol.pharmacists.handled_share == 0.6
    assert pol.pharmacists.cost_per_act_eur == 15.0
    assert pol.installations[0].count == 2
    assert pol.installations[0].date == dt.date(2025, 3, 3)
    assert pol.retirements[0].count == 1
    assert pol.mt_access.monthly_capacity == 30
    assert alt.name == "tiny-alt"
    # The same overrides through the command line's --set give the same scenario.
    again = load_scenario(tiny.source, ["name=tiny-alt", *overrides])
    assert dump_scenario_yaml(again) == dump_scenario_yaml(alt)
    text = L.cli_equivalent(tiny.source, overrides, seed=3, replications=7)
    assert "--set 'policies.installations=[{" in text
    assert "--replications 7 --seed 3" in text


def test_arrivals_are_added_to_the_baselines(tmp_path: Path) -> None:
    path = tmp_path / "with-centre.yaml"
    path.write_text(
        TINY + "  installations:\n    - {date: 50, count: 4, practice_kind: centre}\n",
        encoding="utf-8",
    )
    baseline = L.load_seed(path)
    base = L.resolve(baseline.document)
    values = {**L.lever_defaults(base), "installations.count": 1}
    alt, _ = _alt(baseline, values)
    assert [i.count for i in alt.policies.installations] == [4, 1]


def test_invalid_levers_give_the_usual_errors(tiny: L.Baseline) -> None:
    base = L.resolve(tiny.document)
    values = {
        **L.lever_defaults(base),
        "installations.count": 1,
        "installations.date": dt.date(2026, 1, 1),  # after the 120-day horizon
    }
    with pytest.raises(ScenarioError) as info:
        _alt(tiny, values)
    (problem,) = info.value.problems
    assert problem.path == "policies.installations.0.date"
    assert "outside the horizon" in problem.reason
    assert str(problem).startswith(f"{tiny.source} (--set policies.installations=")


# ---------------------------------------------------------------------------------------------
# Uploaded files
# ---------------------------------------------------------------------------------------------


def test_upload_is_read_like_a_file() -> None:
    baseline = L.load_upload("my-cpts.yaml", TINY.encode())
    assert baseline.kind == "upload"
    assert baseline.source == "my-cpts.yaml"
    assert L.resolve(baseline.document).name == "tiny"
    assert L.load_upload("my-cpts.yaml", TINY.encode()).ident == baseline.ident


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            b"name: x\npopulation: {size: 1000}\npolicies:\n  rota: {}\n",
            "bad.yaml:4: policies.rota: unknown field",
        ),
        (b"name: x\npopulation:\n  size: [1000\n", "bad.yaml:4: (document): YAML syntax"),
        (b"name: x\npopulation: {size: -5}\n", "bad.yaml:2: population.size: input should be"),
        (b"\x00\x01binary", "bad.yaml:1: (document): not a text file"),
        (
            b"name: x\nextends: ../../../../etc/passwd\n",
            "bad.yaml:2: extends: base file '../../../../etc/passwd' is not one of the",
        ),
        (
            b"name: x\nextends: /etc/no-such-file.yaml\n",
            "bad.yaml:2: extends: base file '/etc/no-such-file.yaml' is not one of the",
        ),
        (b"name: x\nextends: /dev/zero\n", "bad.yaml:2: extends: base file '/dev/zero' is not"),
    ],
)
def test_bad_upload_gives_clear_problems(text: bytes, expected: str) -> None:
    def load() -> None:
        L.resolve(L.load_upload("bad.yaml", text).document)

    with pytest.raises(ScenarioError) as info:
        load()
    lines = [str(p) for p in info.value.problems]
    assert any(line.startswith(expected) for line in lines), lines
    assert not any("accesssim-upload-" in line for line in lines)  # no temporary path


# ---------------------------------------------------------------------------------------------
# Runs, cache, results directory
# ---------------------------------------------------------------------------------------------


@pytest.fixture
def pair(tiny: L.Baseline) -> tuple[Any, Any]:
    base = L.resolve(tiny.document)
    values = {**L.lever_defaults(base), "unscheduled_slots.shared_rota": True}
    alt, _ = _alt(tiny, values)
    return base, alt


def test_comparison_is_cached_and_written(pair: tuple[Any, Any], tmp_path: Path) -> None:
    base, alt = pair
    cache = L.RunCache()
    seen: list[tuple[float, str]] = []
    assert L.map_image(base, 0, cache) is not None  # runs replication 0 of the baseline
    settings = L.RunSettings(seed=0, replications=3, executor="serial")
    out = L.run_comparison(
        base,
        alt,
        settings,
        cache,
        progress=lambda f, t: seen.append((f, t)),
        results_root_dir=tmp_path,
    )
    assert out.computed_runs == 5  # 2 x 3, less the map's replication
    assert out.n == 3
    assert out.labels == ["tiny", "tiny-alt"]
    assert seen[-1][0] == 1.0
    assert all(0 <= f <= 1 for f, _ in seen)
    fractions = [f for f, _ in seen]
    assert fractions == sorted(fractions)
    # The same setting again: the same outcome, nothing run.
    assert L.run_comparison(base, alt, settings, cache, results_root_dir=tmp_path) is out
    # More replications: only the new ones run.
    more = L.run_comparison(
        base,
        alt,
        L.RunSettings(replications=4, executor="serial"),
        cache,
        results_root_dir=tmp_path,
    )
    assert more.computed_runs == 2
    assert more.comparison.runs[0].results[0] is out.comparison.runs[0].results[0]

    # An ordinary compare results directory: the report's reader accepts it.
    res = load_results(out.results_dir)
    assert res.kind == "compare"
    assert res.labels == ["tiny", "tiny-alt"]
    assert res.meta["command"][:2] == ["accesssim", "compare"]
    for name in ("metrics", "weekly", "outcomes", "communes", "waits", "differences"):
        assert res.has(name), name
    metrics = res.table("metrics")
    app_means = metrics.groupby(["scenario", "metric"])["value"].mean()
    for lab, run in zip(out.labels, out.comparison.runs, strict=True):
        for m, est in run.summary().items():
            assert app_means[(lab, m)] == pytest.approx(est.mean, nan_ok=True)

    keys = [f.key for f in L.figure_images(out.results_dir)]
    assert keys[0] == "forest"
    assert {"waits", "outcomes", "map"} <= set(keys)
    assert any(k.startswith("weekly-") for k in keys)
    html = L.report_html(out)
    assert html.startswith(b"<!DOCTYPE html>")
    assert b"tiny-alt" in html

    table = L.differences_table(out)
    assert list(table.columns) == [
        "indicator (unit)",
        "better",
        "baseline",
        "alternative",
        "difference",
        "95 % CI",
        "change",
        "reading",
        "metric",
    ]
    assert len(table) == 13
    assert len(L.differences_table(out, all_metrics=True)) > 13
    costs = L.cost_table(out)
    assert len(costs) == 3
    assert list(costs.columns) == [
        "gain (unit)",
        "extra cost [95 % CI]",
        "gain [95 % CI]",
        "cost per unit of gain [95 % CI]",
        "reading",
    ]
    by_year = L.cost_year_table(out)
    assert list(by_year.columns) == ["item", "year 1"]
    assert by_year["item"].iloc[-1] == "Total"


def test_automatic_replications(pair: tuple[Any, Any], tmp_path: Path) -> None:
    base, alt = pair
    cache = L.RunCache()
    settings = L.RunSettings(precision=0.5, max_replications=6, executor="serial")
    out = L.run_comparison(base, alt, settings, cache, results_root_dir=tmp_path)
    assert 5 <= out.n <= 6  # at least AutoStop's minimum, at most the cap
    assert [r.n for r in out.comparison.runs] == [out.n, out.n]
    assert cache.get_auto(L.scenario_digest(base), 0, settings.spec) == out.n
    # A fixed run of the same n reuses every replication.
    fixed = L.run_comparison(
        base,
        alt,
        L.RunSettings(replications=out.n, executor="serial"),
        cache,
        results_root_dir=tmp_path,
    )
    assert fixed.computed_runs == 0


def test_cache_drops_the_least_recently_used(pair: tuple[Any, Any]) -> None:
    base, _ = pair
    cache = L.RunCache(max_runs=2)
    digest = L.scenario_digest(base)
    results = [L.simulate(base, 0, r) for r in range(3)]
    for r in results:
        cache.put_run(digest, 0, r)
    assert len(cache) == 2
    assert cache.get_run(digest, 0, 0) is None
    assert cache.get_run(digest, 0, 2) is results[2]


def test_results_root_from_the_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv(L.ENV_RESULTS, str(tmp_path))
    assert L.results_root() == tmp_path
    monkeypatch.delenv(L.ENV_RESULTS)
    assert L.results_root().name == "accesssim-app"


def test_aspatial_territory_has_no_map(repo_root: Path) -> None:
    base = load_scenario(repo_root / "scenarios" / "france-baseline.yaml")
    assert L.map_image(base, 0, L.RunCache()) is None


# ---------------------------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------------------------


def test_app_command_starts_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    from accesssim import cli

    calls: list[list[str]] = []

    class FakeProcess:
        def __init__(self, command: list[str]) -> None:
            calls.append(command)

        def wait(self, timeout: float | None = None) -> int:
            return 0

    monkeypatch.setattr(subprocess, "Popen", FakeProcess)
    result = CliRunner().invoke(cli.app, ["app", "--port", "8999"])
    assert result.exit_code == 0, result.output
    (command,) = calls
    assert command[1:4] == ["-m", "streamlit", "run"]
    assert Path(command[4]) == APP_FILE
    assert APP_FILE.is_file()
    flags = dict(zip(command[5::2], command[6::2], strict=True))
    assert flags["--server.address"] == "127.0.0.1"
    assert flags["--server.port"] == "8999"
    assert flags["--server.headless"] == "true"
    assert flags["--browser.gatherUsageStats"] == "false"


def test_app_command_without_streamlit(monkeypatch: pytest.MonkeyPatch) -> None:
    from accesssim import cli

    real: Callable[..., Any] = importlib.util.find_spec

    def find_spec(name: str, *args: Any) -> Any:
        return None if name == "streamlit" else real(name, *args)

    monkeypatch.setattr(importlib.util, "find_spec", find_spec)
    result = CliRunner().invoke(cli.app, ["app"])
    assert result.exit_code == 2
    assert "pip install 'accesssim[app]'" in result.output
    assert "Traceback" not in result.output


def test_logic_does_not_import_streamlit() -> None:
    code = "import sys, accesssim.app.logic; print('streamlit' in sys.modules)"
    out = subprocess.run(
        [__import__("sys").executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert out.stdout.strip() == "False"


def test_differences_frame_is_plain_text(pair: tuple[Any, Any], tmp_path: Path) -> None:
    base, alt = pair
    out = L.run_comparison(
        base,
        alt,
        L.RunSettings(replications=2, executor="serial"),
        L.RunCache(),
        results_root_dir=tmp_path,
    )
    table = L.differences_table(out)
    assert all(pd.api.types.is_string_dtype(table[c]) for c in table.columns)
    row = table.set_index("metric").loc["total_cost_eur"]
    assert row["indicator (unit)"].endswith("(€)")


# ---------------------------------------------------------------------------------------------
# Confined uploads and long names (docs/reliability.md)
# ---------------------------------------------------------------------------------------------


def test_an_upload_may_extend_a_seed_scenario_only() -> None:
    seed = L.resolve(L.load_seed(L.seed_territories()["monts-du-lyonnais"]).document)
    overlay = b"extends: monts-du-lyonnais.yaml\nname: mine\n"
    mine = L.resolve(L.load_upload("mine.yaml", overlay).document)
    assert mine.name == "mine"
    assert mine.population_size == seed.population_size
    # The same refusal whether the file exists or not: nothing is learnt about the server.
    reasons = set()
    for target in ("/etc/passwd", "/etc/no-such-file", "../../../../etc/hostname", "/dev/zero"):
        with pytest.raises(ScenarioError) as info:
            L.load_upload("mine.yaml", f"extends: {target}\nname: x\n".encode())
        (problem,) = info.value.problems
        reasons.add(problem.reason.replace(target, "TARGET"))
    assert len(reasons) == 1, reasons


def test_a_seed_folder_link_leading_out_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "scenarios"
    folder.mkdir()
    secret = tmp_path / "secret.yaml"
    secret.write_text(TINY, encoding="utf-8")
    (folder / "link.yaml").symlink_to(secret)
    monkeypatch.setattr(L, "scenario_dirs", lambda cwd=None: [folder])
    with pytest.raises(ScenarioError) as info:
        L.load_upload("mine.yaml", b"extends: link.yaml\nname: x\n")
    assert "is not one of the scenario files" in str(info.value)


def test_an_upload_of_any_size_or_name_is_safe() -> None:
    with pytest.raises(ScenarioError) as info:
        L.load_upload("big.yaml", b"name: x\n#" + b"x" * (3 * 1024 * 1024) + b"\n")
    assert "too large" in str(info.value)
    long_name = "\x1b[31m" + "n" * 300 + ".yaml"
    baseline = L.load_upload(long_name, TINY.encode())
    assert len(baseline.source) <= 120
    assert "\x1b" not in baseline.source


def test_a_300_character_scenario_name_is_written_safely(tmp_path: Path) -> None:
    base = load_scenario_text(TINY.replace("name: tiny", "name: " + "é" * 300))
    alt = load_scenario_text(TINY.replace("name: tiny", "name: " + "é" * 299 + "x"))
    out = L.run_comparison(
        base,
        alt,
        L.RunSettings(seed=0, replications=1, executor="serial"),
        L.RunCache(),
        results_root_dir=tmp_path,
    )
    assert len(out.results_dir.name.encode()) < 255
    assert load_results(out.results_dir).kind == "compare"
    assert len(set(out.labels)) == 2


def load_scenario_text(text: str) -> Any:
    from accesssim.scenario.loading import load_document, validate_document
    from accesssim.scenario.schema import Scenario

    return validate_document(load_document("x.yaml", text=text), Scenario)
