"""The app's page, headless (``streamlit.testing.v1.AppTest``).

A planner picks the Monts du Lyonnais, moves the reserved-share and rota levers and runs a
comparison (3 replications of 120 days, one core: ``ACCESSSIM_APP_HORIZON=120``, the quick-run
setting of docs/app.md); the tables, the figures and both downloads appear; the downloaded
YAML gives the same numbers through ``accesssim run``; going back to a setting already run is
served from the cache; a bad uploaded file and invalid levers show the command line's
messages in an error box, never a traceback.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

import pandas as pd
import pytest
import streamlit as st
from streamlit.testing.v1 import AppTest

from accesssim.app import APP_FILE
from accesssim.scenario import load_scenario

Cli = Callable[..., subprocess.CompletedProcess[str]]
MONTS = "seed:monts-du-lyonnais"
TIMEOUT = 120


@pytest.fixture
def app(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, repo_root: Path) -> AppTest:
    """The page, run once, with quick runs and results under ``tmp_path``."""
    monkeypatch.setenv("ACCESSSIM_APP_HORIZON", "120")
    monkeypatch.setenv("ACCESSSIM_APP_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(repo_root)
    st.cache_resource.clear()  # each test starts with an empty run cache
    at = AppTest.from_file(str(APP_FILE), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    at.sidebar.radio(key="lang").set_value(
        "en"
    ).run()  # French by default; these tests read English
    assert not at.exception
    return at


#: English words a French page never needs (outside code, file names and scenario names).
ENGLISH = re.compile(r"\b(the|and|with|which|this|from|when|each|than|of|to|is|are)\b")


def test_page_in_french(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, repo_root: Path) -> None:
    """The app speaks French by default: labels, numbers, levers, results and their tables."""
    monkeypatch.setenv("ACCESSSIM_APP_HORIZON", "120")
    monkeypatch.setenv("ACCESSSIM_APP_RESULTS", str(tmp_path / "results"))
    monkeypatch.chdir(repo_root)
    st.cache_resource.clear()
    at = AppTest.from_file(str(APP_FILE), default_timeout=TIMEOUT)
    at.run()
    assert not at.exception
    assert at.sidebar.radio(key="lang").value == "fr"
    assert at.title[0].value.startswith("accesssim : l'accès aux soins")
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Habitants"] == "49\u202f047"
    assert metrics["Adultes sans MT"] == "10\u202f%"
    share = at.slider(key=f"{MONTS}|unscheduled_slots.reserved_share")
    assert (
        share.label == "Part de chaque séance gardée pour les soins non programmés (% des créneaux)"
    )
    assert "Créneaux de soins non programmés" in _texts(at.markdown)
    # The scenario's warnings in French, numbers by Babel (as accesssim validate --lang fr).
    (box,) = [w.value for w in at.warning if "Vérifiez ce scénario" in w.value]
    assert box.count("a le même point que") == 2
    assert "`calendar.horizon_days` : " not in box  # the field path keeps its shape
    assert "`calendar.horizon_days`: 29 jours mesurés (horizon_days 120 - warmup_days 91)" in box
    assert ENGLISH.findall(re.sub(r"`[^`]*`", "", box)) == []
    _quick(at)
    at.slider(key="replications").set_value(2)
    at.slider(key=f"{MONTS}|unscheduled_slots.reserved_share").set_value(35.0).run()
    at.button(key="run").click().run()
    assert not at.exception
    assert not at.error
    assert "monts-du-lyonnais-alternative face à monts-du-lyonnais" in [h.value for h in at.header]
    diffs = at.dataframe[0].value
    assert {"indicateur (unité)", "différence", "IC 95 %", "lecture"} <= set(diffs.columns)
    assert "Soins non programmés vus en 48 h (%)" in set(diffs["indicateur (unité)"])
    assert set(diffs["lecture"]) <= {
        "mieux", "moins bien", "pas de changement net", "plus haut", "plus bas",
        "coûte plus", "coûte moins",
    }  # fmt: skip
    costs = at.dataframe[1].value
    assert "passage aux urgences évité" in list(costs["gain (unité)"])
    shown = "\n".join(
        _texts(part) for part in (at.markdown, at.caption, at.header, at.subheader, at.info)
    )
    shown = re.sub(r"`[^`]*`", "", shown)  # commands and file names stay as they are
    # The scenario file's own description is the author's text, in the author's language.
    author = load_scenario(repo_root / "scenarios" / "monts-du-lyonnais.yaml").description
    shown = shown.replace(author.strip(), "")
    words = [
        line for line in shown.splitlines() if ENGLISH.search(line.replace("monts-du-lyonnais", ""))
    ]
    assert words == [], words


def _quick(at: AppTest) -> None:
    at.sidebar.radio(key="executor").set_value("serial")
    at.sidebar.slider(key="replications").set_value(3)


def _texts(elements: object) -> str:
    return "\n".join(str(e.value) for e in elements)  # type: ignore[attr-defined]


def test_territory_is_shown(app: AppTest) -> None:
    assert app.title[0].value.startswith("accesssim")
    assert "CPTS des Monts du Lyonnais" in [h.value for h in app.header]
    metrics = {m.label: m.value for m in app.metric}
    assert metrics["Inhabitants"] == "49,047"
    assert metrics["Communes"] == "30"
    assert metrics["GPs"] == "38"
    assert metrics["Adults without an MT"] == "10\u00a0%"
    assert "Same-day slots (soins non programmés)" in _texts(app.markdown)
    assert len(app.get("image")) == 1  # the commune map of one baseline replication
    # Levers start at the baseline's values and carry the schema's description.
    share = app.slider(key=f"{MONTS}|unscheduled_slots.reserved_share")
    assert share.value == 25.0
    assert "(% of slots)" in share.label
    assert "No published figure" in share.help
    assert app.number_input(key=f"{MONTS}|teleconsultation.platform_daily_capacity").value == (
        13.73
    )
    assert "No lever moved" in _texts(app.markdown)
    assert not app.error
    # The scenario's warnings, as accesssim validate prints them: the two pairs of communes
    # sharing a point (kept in the seed file) and the quick run's short measured period.
    (box,) = [w.value for w in app.warning if "Check this scenario" in w.value]
    assert box.count("same point as") == 2
    assert "`calendar.horizon_days`: 29 measured days" in box


def test_run_compare_download_and_reproduce(app: AppTest, cli: Cli, tmp_path: Path) -> None:
    _quick(app)
    app.slider(key=f"{MONTS}|unscheduled_slots.reserved_share").set_value(35.0)
    app.toggle(key=f"{MONTS}|unscheduled_slots.shared_rota").set_value(True)
    app.number_input(key=f"{MONTS}|unscheduled_slots.rota_cost_per_year_eur").set_value(21000.0)
    app.run()
    assert not app.exception
    changes = app.code[0].value
    assert "policies.unscheduled_slots.reserved_share=0.35" in changes
    assert "policies.unscheduled_slots.shared_rota=true" in changes

    app.button(key="run").click().run()
    assert not app.exception
    assert not app.error
    headers = [h.value for h in app.header]
    assert "monts-du-lyonnais-alternative against monts-du-lyonnais" in headers
    assert "computed in" in _texts(app.caption)
    diffs, costs = app.dataframe[0].value, app.dataframe[1].value
    assert "Same-day needs seen within 48 h (%)" in set(diffs["indicator (unit)"])
    assert {"difference", "95 % CI", "reading"} <= set(diffs.columns)
    assert list(costs["gain (unit)"]) == [
        "extra adult with a declared GP (at the horizon)",
        "ED visit avoided",
        "extra unscheduled need met within 48 h",
    ]
    assert len(app.get("image")) >= 8  # map + forest, 4 weekly series, waits, outcomes, map
    labels = [b.label for b in app.get("download_button")]
    assert any("alternative scenario (YAML)" in lab for lab in labels)
    assert any("report (HTML" in lab for lab in labels)

    # The downloaded YAML reproduces the app's numbers through the command line.
    yaml_text = app.session_state["alternative_yaml"]
    scenario = tmp_path / "monts-du-lyonnais-alternative.yaml"
    scenario.write_text(yaml_text, encoding="utf-8")
    proc = cli(
        "run", scenario, "--replications", "3", "--seed", "0", "--format", "json",
        "--executor", "serial", timeout=120,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    cli_means = {m: v["mean"] for m, v in json.loads(proc.stdout)["metrics"].items()}
    (results_dir,) = (tmp_path / "results").iterdir()
    metrics = pd.read_parquet(results_dir / "metrics.parquet")
    app_means = (
        metrics[metrics.scenario == "monts-du-lyonnais-alternative"]
        .groupby("metric")["value"]
        .mean()
    )
    assert set(cli_means) == set(app_means.index)
    for metric, value in cli_means.items():
        if value is None:  # NaN in JSON
            assert pd.isna(app_means[metric])
        else:
            assert app_means[metric] == pytest.approx(value, rel=1e-12, abs=1e-12), metric
    assert (results_dir / "report-fr.html").is_file() or (results_dir / "report-en.html").is_file()

    # Back to the baseline's 25 % then to 35 % again: the second setting comes from the cache.
    app.slider(key=f"{MONTS}|unscheduled_slots.reserved_share").set_value(25.0).run()
    assert "settings have changed" in _texts(app.warning)
    app.slider(key=f"{MONTS}|unscheduled_slots.reserved_share").set_value(35.0).run()
    assert not app.exception
    assert "settings have changed" not in _texts(app.warning)
    assert "from the cache" in _texts(app.caption)
    assert len(app.dataframe) == 3  # differences, cost-effectiveness, cost by item and year


def test_bad_upload_shows_the_problems(app: AppTest) -> None:
    app.sidebar.radio(key="source").set_value("upload").run()
    assert "Upload a scenario file" in _texts(app.info)
    bad = b"name: my-cpts\npopulation:\n  size: 3000\npolicies:\n  rota: {}\ngps: {count: -2}\n"
    app.sidebar.get("file_uploader")[0].set_value(("my-cpts.yaml", bad, "application/x-yaml"))
    app.run()
    assert not app.exception
    (box,) = app.error
    assert "my-cpts.yaml cannot be used" in box.value
    assert "my-cpts.yaml:5: policies.rota: unknown field" in box.value
    assert "my-cpts.yaml:6: gps.count: input should be greater than or equal to 0" in box.value
    assert "Traceback" not in box.value

    # extends: reads only the seed scenario files; nothing says whether another file exists.
    overlay = b"extends: /etc/passwd\nname: mine\n"
    app.sidebar.get("file_uploader")[0].set_value(("mine.yaml", overlay, "application/x-yaml"))
    app.run()
    assert not app.exception
    assert "mine.yaml:1: extends: base file '/etc/passwd' is not one of the scenario files" in (
        app.error[0].value
    )


def test_good_upload_is_a_baseline(app: AppTest) -> None:
    app.sidebar.radio(key="source").set_value("upload").run()
    text = (
        "name: my-cpts\npopulation: {size: 3000}\ngps: {count: 3}\n"
        "calendar: {horizon_days: 120, warmup_days: 28}\n"
    )
    app.sidebar.get("file_uploader")[0].set_value(("my-cpts.yaml", text.encode(), "text/yaml"))
    app.run()
    assert not app.exception
    assert not app.error
    assert {m.label: m.value for m in app.metric}["Inhabitants"] == "3,000"
    assert "No map" in _texts(app.info)  # aspatial
    # No policy today: every block starts switched off.
    toggles = [t for t in app.toggle if t.key.endswith(".on")]
    assert toggles
    assert not any(t.value for t in toggles)


def test_invalid_levers_show_the_usual_errors(app: AppTest) -> None:
    app.number_input(key=f"{MONTS}|installations.count").set_value(2)
    app.date_input(key=f"{MONTS}|installations.date").set_value("2026-06-01")
    app.run()
    assert not app.exception
    (box,) = app.error
    assert "The levers give an invalid scenario" in box.value
    assert "policies.installations.0.date: 2026-06-01 is outside the horizon" in box.value
    assert "Fix the levers" in _texts(app.info)
