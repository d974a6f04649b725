"""accesssim's web app for planners: pick a territory, move the policy levers, compare.

Run it with ``accesssim app`` (or ``streamlit run`` on this file). Everything that is not a
widget lives in :mod:`accesssim.app.logic`. The page runs only as a script
(``__name__ == "__main__"``): worker processes started with ``spawn`` re-import the main
module as ``__mp_main__`` and must not draw the page again.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from accesssim.i18n import N_, _
from accesssim.wording import fmt_date, fmt_int, number, pct

APP_TITLE = N_("accesssim: access to primary care in your territory")


def _problems_box(title: str, problems: list[Any]) -> None:
    """Every problem as ``FILE:LINE: field.path: reason``, in one error box."""
    import streamlit as st

    from accesssim.scenario.errors import translated

    lines = "\n".join(str(translated(p)) for p in problems)
    st.error(f"**{title}**\n\n```text\n{lines}\n```")


def _warnings_box(title: str, scenario: Any, baseline: Any = None) -> None:
    """The scenario's warnings (valid but implausible input, as ``accesssim validate`` prints
    them) in one warning box, leaving out those the baseline already has."""
    import streamlit as st

    from accesssim.scenario.plausibility import dotted, scenario_warnings

    known = scenario_warnings(baseline) if baseline is not None else []
    shown = [w for w in scenario_warnings(scenario) if w not in known]
    if shown:
        lines = "\n".join(f"- `{dotted(loc)}`: {message}" for loc, message in shown)
        st.warning(f"**{title}**\n\n{lines}")


def _cache() -> Any:
    import streamlit as st

    from accesssim.app.logic import RunCache

    @st.cache_resource(show_spinner=False)
    def shared_cache() -> RunCache:
        return RunCache()

    return shared_cache()


def _language() -> str:
    """The language switch (French by default in the app); sets the page's language."""
    import streamlit as st

    from accesssim.i18n import set_language

    lang = st.sidebar.radio(
        "Langue / Language",
        ["fr", "en"],
        format_func=lambda code: {"fr": "Français", "en": "English"}[code],
        horizontal=True,
        key="lang",
    )
    return set_language(str(lang))


def _choose_baseline(seeds: dict[str, Any]) -> Any:
    """The sidebar's territory choice; returns a Baseline, or None (errors shown)."""
    import streamlit as st

    from accesssim.app import logic as L
    from accesssim.scenario import InputError

    st.sidebar.header(_("1. Territory"))
    options = ["seed", "upload"] if seeds else ["upload"]
    source = st.sidebar.radio(
        _("Start from"),
        options,
        format_func=lambda o: (
            _("a territory of accesssim") if o == "seed" else _("my scenario file")
        ),
        key="source",
    )
    if source == "seed":
        stems = list(seeds)
        default = stems.index("monts-du-lyonnais") if "monts-du-lyonnais" in stems else 0
        stem = st.sidebar.selectbox(
            _("Territory"),
            stems,
            index=default,
            format_func=lambda s: L.seed_label(s, seeds[s]),
            help=_("The seed territories of accesssim (scenarios/): ")
            + "; ".join(f"{k}: {_(v)}" for k, v in L.SEEDS.items()),
            key="territory",
        )
        for name, why in L.EXCLUDED.items():
            st.sidebar.caption(_("Not offered: {name}, {why}.").format(name=name, why=_(why)))
        try:
            return L.load_seed(seeds[stem])
        except InputError as exc:  # a seed file edited by hand
            _problems_box(_("This scenario file has problems:"), exc.problems)
            return None
    upload = st.sidebar.file_uploader(
        _("Scenario file (YAML)"),
        type=["yaml", "yml"],
        key="upload",
        help=_(
            "One territory and one policy mix, as `accesssim validate` reads it. A file with "
            "extends: cannot be uploaded (its base file would be missing)."
        ),
    )
    if upload is None:
        st.info(
            _(
                "Upload a scenario file in the sidebar, or start from a territory of "
                "accesssim. The file is checked as `accesssim validate` checks it."
            )
        )
        return None
    try:
        return L.load_upload(upload.name, upload.getvalue())
    except InputError as exc:
        _problems_box(
            _("{file} cannot be used: fix these problems and upload it again.").format(
                file=upload.name
            ),
            exc.problems,
        )
        return None


def _settings(baseline: Any) -> tuple[int, Any]:
    """Sidebar: simulated days, seed, replications, executor."""
    import streamlit as st

    from accesssim.app import logic as L

    st.sidebar.header(_("2. Simulation"))
    horizon = st.sidebar.number_input(
        _("Days simulated, warm-up included"),
        min_value=2,
        max_value=3650,
        value=L.default_horizon(baseline),
        step=1,
        key=f"horizon|{baseline.ident}",
        help=_(
            "The scenario's own horizon by default (91 days of warm-up, then one measured "
            "year). A shorter horizon gives quick, rougher runs; ACCESSSIM_APP_HORIZON sets the "
            "starting value."
        ),
    )
    if int(horizon) != baseline.horizon_days:
        st.sidebar.caption(
            _("Quick run: {n} days instead of the file's {file_days}.").format(
                n=int(horizon), file_days=baseline.horizon_days
            )
        )
    seed = st.sidebar.number_input(
        _("Seed"), min_value=0, value=0, step=1, key="seed", help=_("Same seed, same numbers.")
    )
    mode = st.sidebar.radio(
        _("Replications"),
        ["fixed", "auto"],
        format_func=lambda m: _("a fixed number") if m == "fixed" else _("automatic (a precision)"),
        key="rep_mode",
        help=_(
            "A replication is one simulated period with its own patients. Automatic: the "
            "baseline runs until its 95 % CIs are within the precision, then the alternative "
            "runs as many (same seeds)."
        ),
    )
    if mode == "fixed":
        reps = st.sidebar.slider(_("Number of replications"), 2, 100, 10, key="replications")
        precision, cap = None, 50
    else:
        precision = st.sidebar.select_slider(
            _("Precision (95 % CI half-width, relative to the mean)"),
            options=[0.10, 0.05, 0.02, 0.01],
            value=0.05,
            format_func=lambda p: f"±{pct(p)}",
            key="precision",
        )
        cap = st.sidebar.slider(_("At most (replications)"), 5, 200, 50, key="max_replications")
        reps = 0
    # One core by default: a CPTS-sized comparison takes a few seconds, less than starting a
    # pool of worker processes (measured: Monts du Lyonnais, 10 replications, 2.3 s on one
    # core against 6.6 s with 2 worker processes).
    executor = st.sidebar.radio(
        _("Run on"),
        ["serial", "processes"],
        format_func=lambda e: _("all cores (processes)") if e == "processes" else _("one core"),
        key="executor",
        help=_(
            "The numbers are the same either way; all cores is faster for large territories "
            "and many replications (starting the worker processes takes a few seconds)."
        ),
    )
    settings = L.RunSettings(
        seed=int(seed),
        replications=int(reps),
        precision=precision,
        max_replications=int(cap),
        executor=str(executor),
    )
    return int(horizon), settings


def _show_territory(scenario: Any, cache: Any, seed: int) -> None:
    import streamlit as st

    from accesssim.app import logic as L

    facts = L.territory_facts(scenario)
    st.header(facts["territory"])
    if facts["description"]:
        st.caption(facts["description"])
    cols = st.columns(5)
    cols[0].metric(_("Inhabitants"), fmt_int(facts["population"]))
    cols[1].metric(_("Communes"), fmt_int(facts["communes"]))
    cols[2].metric(_("GPs"), fmt_int(facts["gps"]), help=_("Liberal GPs (médecins généralistes)."))
    cols[3].metric(
        _("GPs per 100,000"), fmt_int(facts["gps_per_100k"]), help=_("France: 78 (2021).")
    )
    cols[4].metric(
        _("Adults without an MT"),
        pct(round(facts["without_mt_share"], 2)),
        help=_(
            "Share of adults without a médecin traitant (MT) at the start. France: 11 % (2021)."
        ),
    )
    if facts["population"] > L.LARGE_POPULATION:
        st.warning(
            _(
                "{n} inhabitants: each replication takes several seconds. Start with few "
                "replications or a shorter horizon."
            ).format(n=fmt_int(facts["population"]))
        )
    _warnings_box(_("Check this scenario (valid, but unusual):"), scenario)
    left = st.container()
    with left:
        st.markdown(_("**Practices**: {practices}.").format(practices=facts["practices"]))
        st.markdown(
            _(
                "**Simulated period**: {start} to {end}; results count from {measure} ({days} "
                "days measured, after {warmup} days of warm-up)."
            ).format(
                start=fmt_date(facts["start_date"]),
                end=fmt_date(facts["end_date"]),
                measure=fmt_date(facts["measure_start"]),
                days=facts["measured_days"],
                warmup=facts["warmup_days"],
            )
        )
        st.markdown(_("**Policies in force today** (the baseline):"))
        if facts["policies"]:
            for row in facts["policies"]:
                st.markdown(
                    "- "
                    + _("*{name}* ({start}): {words}").format(
                        name=row["name"], start=row["start"], words=row["words"]
                    )
                )
        else:
            st.markdown("- " + _("none"))
    png = L.map_image(scenario, seed, cache)
    if png is None:
        st.info(_("No map: the territory is one place (no communes with coordinates)."))
    else:
        st.image(
            png,
            caption=_(
                "By commune, at the end of one replication of the baseline. Approximate "
                "boundaries: each cell is the area nearer its town hall than any other."
            ),
            width="stretch",
        )


def _lever_widget(lever: Any, value: Any, key: str, disabled: bool, scenario: Any) -> Any:
    import streamlit as st

    label = lever.title
    help_text = lever.help or None
    ui = lever.to_ui(value)
    if lever.widget == "percent":
        out = st.slider(
            label,
            min_value=0.0,
            max_value=float(lever.maximum or 100.0),
            value=float(ui),
            step=float(lever.step),
            format="%.0f %%" if lever.step >= 1 else "%.1f %%",
            key=key,
            help=help_text,
            disabled=disabled,
        )
    elif lever.widget == "hour":
        out = st.slider(
            label,
            min_value=0.0,
            max_value=float(lever.maximum or 23.5),
            value=float(ui),
            step=float(lever.step),
            format="%.1f h",
            key=key,
            help=help_text,
            disabled=disabled,
        )
    elif lever.widget == "number":
        out = st.number_input(
            label,
            min_value=float(lever.minimum),
            max_value=None if lever.maximum is None else float(lever.maximum),
            value=float(ui),
            step=float(lever.step),
            format="%.0f" if lever.cost and lever.step >= 1 else "%.2f",
            key=key,
            help=help_text,
            disabled=disabled,
        )
    elif lever.widget == "integer":
        out = st.number_input(
            label,
            min_value=int(lever.minimum),
            max_value=None if lever.maximum is None else int(lever.maximum),
            value=int(ui),
            step=int(lever.step),
            key=key,
            help=help_text,
            disabled=disabled,
        )
    elif lever.widget == "toggle":
        out = st.toggle(label, value=bool(ui), key=key, help=help_text, disabled=disabled)
    elif lever.widget == "choice":
        values = [c[0] for c in lever.choices]
        words = dict(lever.choices)
        out = st.selectbox(
            label,
            values,
            index=values.index(ui) if ui in values else 0,
            format_func=lambda v: _(words[v]) if v in words else v,
            key=key,
            help=help_text,
            disabled=disabled,
        )
    elif lever.widget == "date":
        cal = scenario.calendar
        out = st.date_input(
            label,
            value=ui,
            min_value=cal.start_date,
            max_value=cal.start_date + dt.timedelta(days=3650),
            key=key,
            help=(help_text or "")
            + " "
            + _("The simulated period runs from {start} to {end}.").format(
                start=fmt_date(cal.start_date), end=fmt_date(cal.end_date)
            ),
            disabled=disabled,
        )
    else:  # pragma: no cover - every widget kind is handled above
        raise ValueError(lever.widget)
    return lever.from_ui(out)


def _levers(baseline_scenario: Any, ident: str) -> dict[str, Any]:
    """One expander per policy block; returns every lever's value (model units)."""
    import streamlit as st

    from accesssim.app import logic as L

    st.header(_("Policy levers"))
    st.markdown(
        _(
            "Every lever starts at the baseline's value: a lever you do not move means *as "
            "today*. Units are given with each lever; the (?) next to it gives the field's "
            "definition and source. The alternative scenario is the baseline plus the levers "
            "you move."
        )
    )
    defaults = L.lever_defaults(baseline_scenario)
    values: dict[str, Any] = {}
    for block in L.BLOCKS:
        today = (
            _("in force today")
            if block.kind == "block" and defaults[L.on_key(block.name)]
            else _("not in force today")
            if block.kind == "block"
            else _("none today")
            if not getattr(baseline_scenario.policies, block.name)
            else _("{n} already planned").format(
                n=len(getattr(baseline_scenario.policies, block.name))
            )
        )
        with st.expander(f"{_(block.title)} ({today})", expanded=block.name == "unscheduled_slots"):
            st.caption(_(block.what))
            on = True
            if block.kind == "block":
                on = st.toggle(
                    _("In force in the alternative"),
                    value=bool(defaults[L.on_key(block.name)]),
                    key=f"{ident}|{L.on_key(block.name)}",
                )
                values[L.on_key(block.name)] = on
            for lever in block.levers:
                values[lever.key] = _lever_widget(
                    lever,
                    defaults[lever.key],
                    f"{ident}|{lever.key}",
                    disabled=not on,
                    scenario=baseline_scenario,
                )
            merged = {**defaults, **values}
            st.caption(L.block_cost_words(block, merged, baseline_scenario))
    return values


def _show_results(outcome: Any, alt_scenario: Any, fresh: bool) -> None:
    import streamlit as st

    from accesssim.app import logic as L

    base_label, alt_label = outcome.labels
    cal = alt_scenario.calendar
    cached = max(2 * outcome.n - outcome.computed_runs, 0)
    if fresh:
        how = _("computed in {s} s ({n} replication(s) run").format(
            s=number(outcome.seconds, 1), n=outcome.computed_runs
        ) + (_(", {n} taken from the cache)").format(n=cached) if cached else ")")
    else:
        how = _("from the cache (this setting was run before): instant")
    st.header(_("{alt} against {base}").format(alt=alt_label, base=base_label))
    st.caption(
        _("{n} paired replications, seed {seed}, {days} days measured; {how}.").format(
            n=outcome.n,
            seed=outcome.comparison.seed,
            days=cal.horizon_days - cal.warmup_days,
            how=how,
        )
    )
    st.subheader(_("Paired differences with the baseline"))
    st.markdown(
        _(
            "Both scenarios face the same patients with the same needs (same seeds): the "
            "difference is the mean of the replication-by-replication differences, with its "
            "95 % confidence interval (CI). *Reading* says whether the difference is better or "
            "worse for patients, or whether it could be chance (*no clear change*: the CI "
            "includes 0); shares differ in percentage points (pt); *change* is relative to "
            "the baseline."
        )
    )
    all_metrics = st.checkbox(_("Show every indicator"), key="all_metrics")
    table = L.differences_table(outcome, all_metrics=all_metrics)
    st.dataframe(table.drop(columns=["metric"]), hide_index=True, height=35 * (len(table) + 1) + 3)
    st.subheader(_("Cost per unit of gain"))
    st.markdown(
        _(
            "Extra cost over the measured period (every act the model counts and the "
            "policies' own costs) against the gain over the whole territory, each with its "
            "95 % CI; the cost per unit of gain (ICER) has its 95 % CI by Fieller's method and "
            "is shown when the gain is clearly not 0."
        )
        + " "
        + L.perspective_note(outcome)
        + " "
        + L.baseline_cost(outcome)
    )
    st.dataframe(L.cost_table(outcome), hide_index=True)
    st.caption(_("Extra cost by item and year (mean difference from the baseline)"))
    st.dataframe(L.cost_year_table(outcome), hide_index=True)
    st.subheader(_("Figures of the report"))
    L.ensure_figures(outcome)
    if outcome.figures:
        tabs = st.tabs([_tab_name(f.key) for f in outcome.figures])
        for tab, fig in zip(tabs, outcome.figures, strict=True):
            with tab:
                st.markdown(f"**{fig.title}**")
                st.image(fig.png, caption=fig.reading)
    st.subheader(_("Keep the results"))
    html = L.report_html(outcome)
    st.download_button(
        _("Download the report (HTML, opens offline, prints on A4)"),
        data=html,
        file_name=f"{alt_label}-vs-{base_label}-report.html",
        mime="text/html",
        key="download_report",
    )
    st.markdown(
        _(
            "The results directory is an ordinary `accesssim compare --out` directory: `{dir}` "
            "(tables in Parquet, the two scenarios as run, `experiment.json`). `accesssim "
            "report` rebuilds the report from it."
        ).format(dir=outcome.results_dir)
    )


def _tab_name(key: str) -> str:
    names = {
        "forest": N_("Differences"),
        "acceptability": N_("Cost-effectiveness"),
        "weekly-wait_planned_mean_days": N_("Planned waits by week"),
        "weekly-unscheduled_within_48h_share": N_("Within 48 h by week"),
        "weekly-unscheduled_within_24h_share": N_("Within 24 h by week"),
        "weekly-coverage": N_("MT coverage by week"),
        "waits": N_("Waiting times"),
        "outcomes": N_("Soins non programmés"),
        "map": N_("Map"),
    }
    if key.startswith("map-"):
        return _("Map of the differences")
    return _(names[key]) if key in names else key


def main() -> None:
    import streamlit as st

    from accesssim import ScenarioError, __version__
    from accesssim.app import logic as L
    from accesssim.scenario.errors import InputError

    st.set_page_config(page_title="accesssim", layout="wide")
    _language()
    st.title(_(APP_TITLE))
    st.markdown(
        _(
            "Pick a territory, move the levers of the policies a CPTS, a CPAM or an ARS can "
            "pull, and compare with today: waits, *soins non programmés* seen within 24 h and "
            "48 h, emergency-department visits, adults with a *médecin traitant* (MT), and "
            "what it costs. A discrete-event simulation with 95 % confidence intervals "
            "(accesssim {version}); the same numbers as the command line."
        ).format(version=__version__)
    )
    cache = _cache()
    seeds = L.seed_territories()
    baseline = _choose_baseline(seeds)
    if baseline is None:
        return
    horizon, settings = _settings(baseline)
    try:
        base_scenario = L.resolve(baseline.document, L.horizon_overrides(baseline, horizon))
    except InputError as exc:
        if baseline.kind == "upload":
            title = _("{file} cannot be used: fix these problems and upload it again.").format(
                file=baseline.source
            )
        else:
            title = _("{file} cannot be simulated as it is:").format(file=baseline.source)
        _problems_box(title, exc.problems)
        return

    _show_territory(base_scenario, cache, settings.seed)
    values = _levers(base_scenario, baseline.ident)

    st.header(_("The alternative scenario"))
    alt_name = st.text_input(
        _("Name of the alternative"),
        value=f"{L.safe_label(base_scenario.name)}-alternative",
        key=f"{baseline.ident}|alt_name",
        help=_("Used for the labels of the results and the name of the downloaded file."),
    )
    overrides = L.build_overrides(base_scenario, values)
    alt_scenario = None
    try:
        alt_scenario = L.resolve(
            baseline.document,
            [
                *L.horizon_overrides(baseline, horizon),
                f"name={L.yaml_value(alt_name.strip() or 'alternative')}",
                *overrides,
            ],
        )
    except (ScenarioError, InputError) as exc:
        _problems_box(_("The levers give an invalid scenario:"), exc.problems)
    if alt_scenario is not None:
        from accesssim.experiment import dump_scenario_yaml

        alt_yaml = dump_scenario_yaml(alt_scenario)
        st.session_state["alternative_yaml"] = alt_yaml
        alt_label = L.labels_of(base_scenario, alt_scenario)[1]
        _warnings_box(_("Check the alternative (valid, but unusual):"), alt_scenario, base_scenario)
        if overrides:
            st.markdown(_("You changed {n} thing(s) from the baseline:").format(n=len(overrides)))
            st.code("\n".join(overrides), language="text")
        else:
            st.markdown(_("No lever moved: the alternative is the baseline (*as today*)."))
        with st.expander(_("The alternative as a scenario file (YAML)")):
            st.code(alt_yaml, language="yaml")
        with st.expander(_("The same on the command line")):
            st.code(
                L.cli_equivalent(
                    baseline.source,
                    [*L.horizon_overrides(baseline, horizon), *overrides],
                    seed=settings.seed,
                    replications=settings.replications or None,
                    alt_file=f"{alt_label}.yaml",
                ),
                language="bash",
            )
        st.download_button(
            _("Download the alternative scenario (YAML)"),
            data=alt_yaml,
            file_name=f"{alt_label}.yaml",
            mime="application/x-yaml",
            key="download_yaml",
            help=_(
                "`accesssim run` on this file with the same seed and replications gives the "
                "same numbers as this page."
            ),
        )

    st.header(_("Run the comparison"))
    if alt_scenario is None:
        st.info(_("Fix the levers above to run the comparison."))
        return
    key = L.comparison_key(base_scenario, alt_scenario, settings)
    outcome = cache.get_outcome(key)
    slot = st.empty()
    clicked = False
    if outcome is None:
        clicked = slot.button(_("Run the comparison"), type="primary", key="run")
    fresh = False
    if outcome is None and clicked:
        bar = st.progress(0.0, text=_("Starting"))
        try:
            outcome = L.run_comparison(
                base_scenario,
                alt_scenario,
                settings,
                cache,
                progress=lambda f, text: bar.progress(f, text=text),
            )
        except KeyboardInterrupt:
            st.warning(_("The run was interrupted; nothing was kept."))
            return
        except InputError as exc:  # e.g. ACCESSSIM_APP_RESULTS is not a folder
            bar.empty()
            _problems_box(_("The results could not be written:"), exc.problems)
            return
        except Exception as exc:  # a bug: say so plainly, keep the details for a report
            bar.empty()
            st.error(
                _(
                    "The simulation stopped with an error ({error}). This is a bug of "
                    "accesssim, not of your settings: please report it with the details below "
                    "and the alternative's YAML."
                ).format(error=f"{type(exc).__name__}: {exc}")
            )
            with st.expander(_("Technical details")):
                st.exception(exc)
            return
        bar.progress(1.0, text=_("Drawing the figures and the report"))
        L.ensure_figures(outcome)
        L.report_html(outcome)
        bar.empty()
        slot.empty()
        fresh = True
        st.session_state["last_key"] = key
    if outcome is None:
        last = cache.get_outcome(st.session_state.get("last_key", ""))
        if last is not None:
            st.warning(
                _(
                    "The settings have changed since the results below were computed: run the "
                    "comparison again to update them."
                )
            )
            _show_results(last, last.comparison.runs[1].scenario, fresh=False)
        else:
            st.info(
                _(
                    "Move the levers, then run. Runs are cached: coming back to a setting "
                    "already run shows its results at once."
                )
            )
        return
    st.session_state["last_key"] = key
    _show_results(outcome, alt_scenario, fresh)


if __name__ == "__main__":
    main()
