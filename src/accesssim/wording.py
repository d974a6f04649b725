"""The wording catalogue: every number format and every reading a planner sees, in one place.

The command line, the HTML report, the app and the policies' own descriptions take their words
and numbers from here, in the current language (:mod:`accesssim.i18n`): numbers, percentages,
euros and dates through Babel (in French: decimal comma, narrow no-break space between
thousands, ``12 345 €``, ``1er janvier 2026``), metric labels, units and definitions, the
direction that is better, the reading of a difference ("better", "worse", "costs more", "no
clear change") and of a cost per unit of gain ("gains and saves 6 € per unit").

Plain Python (no model, no I/O, no pandas). Metric names stay the English identifiers of the
files; only what is shown is translated. The tables built from these words are in
:mod:`accesssim.report.tables`; the figures, their titles and how-to-read captions in
:mod:`accesssim.report.catalogue`.
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

from accesssim.i18n import N_, _, language, locale_name
from accesssim.vocabulary import BETTER, METRICS, OUTCOME_LABELS, SHORT_LABELS

__all__ = [
    "DOMINANCE_WORDS",
    "GAIN_WORDS",
    "ITEM_WORDS",
    "PERSPECTIVE_WORDS",
    "better_words",
    "dominance_words",
    "fmt_ci",
    "fmt_ci_diff",
    "fmt_date",
    "fmt_diff",
    "fmt_eur",
    "fmt_int",
    "fmt_relative",
    "fmt_value",
    "gain_words",
    "hours",
    "interval",
    "item_label",
    "metric_definition",
    "metric_label",
    "metric_short",
    "metric_unit",
    "num",
    "number",
    "outcome_label",
    "pct",
    "per_unit",
    "perspective_words",
    "reading",
    "significance",
    "unit_words",
]

DASH = "–"

#: Units of the metric table (vocabulary) as a planner reads them.
UNIT_WORDS: dict[str, str] = {
    "days": N_("days"),
    "share": "%",
    "per 1000 inhabitants per year": N_("per 1,000 inhabitants per year"),
    "people": N_("people"),
    "acts per inhabitant per year": N_("acts per inhabitant per year"),
    "EUR": "€",
    "acts per FTE-year": N_("acts per FTE-year"),
    "adults per FTE": N_("adults per FTE"),
    "per inhabitant per year": N_("per inhabitant per year"),
}

#: What each gain of a cost-per-gain table counts (``gain`` column of cost_per_gain.parquet).
GAIN_WORDS: dict[str, str] = {
    "patients_with_mt": N_("extra adult with a declared GP (at the horizon)"),
    "ed_visits_avoided": N_("ED visit avoided"),
    "unscheduled_met_48h": N_("extra unscheduled need met within 48 h"),
}


#: Cost items of the cost tables (``item`` column of costs.parquet): acts, then policies.
ITEM_WORDS: dict[str, str] = {
    "office_consultation": N_("GP office consultations"),
    "home_visit": N_("GP home visits"),
    "teleconsultation_gp": N_("teleconsultations by territory GPs"),
    "teleconsultation_platform": N_("teleconsultations by a platform"),
    "pharmacist_act": N_("pharmacist acts"),
    "nurse_followup": N_("nurse follow-ups"),
    "ed_visit": N_("emergency-department visits"),
    "sas_supplement": N_("SAS supplements of regulated acts"),
    "out_of_hours_act": N_("out-of-hours (PDSA) acts"),
    "unscheduled_slots": N_("shared rota (contract)"),
    "teleconsultation": N_("teleconsultation platform contract"),
    "medical_assistants": N_("medical-assistant aid"),
    "medical_assistants_gp_net_cost": N_("medical assistants: GPs' own net cost"),
    "nurses": N_("nurses' salaries"),
    "pharmacists": N_("pharmacists (policy)"),
    "installations": N_("installation incentives"),
    "retirements": N_("retirements"),
    "mt_access": N_("MT-access mission"),
}

#: Cost perspectives (``costs.perspective``).
PERSPECTIVE_WORDS: dict[str, str] = {
    "amo": N_("the health insurance (AMO)"),
    "public": N_("all public funders (AMO, ARS, State, local authorities)"),
    "patient": N_("patients, out of pocket"),
}

#: Cost-effectiveness cases (``dominance`` column of cost_per_gain.parquet).
DOMINANCE_WORDS: dict[str, str] = {
    "dominant": N_("better and cheaper (dominant)"),
    "dominated": N_("worse and dearer (dominated)"),
    "dearer_better": N_("better, at a cost"),
    "cheaper_worse": N_("cheaper, but worse"),
    "better": N_("better; the cost change could be chance"),
    "worse": N_("worse; the cost change could be chance"),
    "no_clear_effect": N_("no clear effect"),
}


# -- numbers -----------------------------------------------------------------------------------


def _nan(value: Any) -> bool:
    return value is None or (isinstance(value, float) and math.isnan(value))


def number(x: float, digits: int = 0, *, signed: bool = False) -> str:
    """``x`` with ``digits`` decimals and grouped thousands, in the current language."""
    from babel.numbers import format_decimal

    pattern = "#,##0" + ("." + "0" * digits if digits > 0 else "")
    if signed:
        pattern = f"+{pattern};-{pattern}"
    value = round(float(x), digits)
    if value == 0:
        value = 0.0  # no "-0"
    return format_decimal(value, format=pattern, locale=locale_name())


def _space() -> str:
    """The space before % and units, never broken: narrow in French, normal in English."""
    return "\u202f" if language() == "fr" else "\u00a0"


def _sep() -> str:
    """Between the bounds of an interval: ``[1, 2]`` (``[1 ; 2]`` in French)."""
    return "\u00a0; " if language() == "fr" else ", "


def pct(x: float) -> str:
    """A share as a percentage: ``0.25`` -> ``25 %``, ``0.125`` -> ``12.5 %`` (``12,5 %``)."""
    whole = abs(100 * x - round(100 * x)) < 1e-9
    return f"{number(100 * x, 0 if whole else 1)}{_space()}%"


def num(x: float) -> str:
    """A number without needless decimals: ``21000`` -> ``21,000``, ``0.5`` -> ``0.5``."""
    if float(x).is_integer():
        return number(x)
    text = number(x, 2)
    sep = "," if language() == "fr" else "."
    return text.rstrip("0").rstrip(sep)


def hours(h: float) -> str:
    """An hour of the day: ``12.5`` -> ``12:30`` (``12 h 30`` in French)."""
    hh = int(h)
    mm = round((h - hh) * 60)
    return f"{hh} h {mm:02d}" if language() == "fr" else f"{hh:02d}:{mm:02d}"


def fmt_int(value: float) -> str:
    """A count with grouped thousands (``49,047``; ``49 047`` in French)."""
    return DASH if _nan(value) else number(value)


def fmt_eur(value: float, *, signed: bool = False) -> str:
    """Euros, rounded to the euro: ``€12,345`` (``12 345 €`` in French)."""
    if _nan(value):
        return DASH
    from babel.numbers import format_currency

    fr = language() == "fr"
    body = "#,##0\u00a0¤" if fr else "¤#,##0"
    pattern = f"+{body};-{body}" if signed else body
    value = round(float(value))
    return format_currency(
        value or 0, "EUR", format=pattern, locale=locale_name(), currency_digits=False
    )


def fmt_date(day: dt.date | str) -> str:
    """A date in words: ``1 January 2026`` (``1er janvier 2026`` in French)."""
    from babel.dates import format_date

    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    text = format_date(day, format="long", locale=locale_name())
    if language() == "fr" and day.day == 1:
        text = "1er" + text[1:]
    return text


def _in_unit(metric: str, value: float, signed: bool) -> str:
    if _nan(value):
        return DASH
    unit = METRICS.get(metric, ("", ""))[0]
    if unit == "share":
        return f"{number(100 * value, 1, signed=signed)}{_space()}{_('pt') if signed else '%'}"
    if unit in ("EUR", "people") or abs(value) >= 100:
        return number(value, signed=signed)
    return number(value, 2, signed=signed)


def fmt_value(metric: str, value: float) -> str:
    """A metric value in its unit (shares in %)."""
    return _in_unit(metric, value, signed=False)


def interval(low: str, high: str) -> str:
    """Two formatted bounds as an interval: ``[1, 2]`` (``[1 ; 2]`` in French)."""
    return f"[{low}{_sep()}{high}]"


def fmt_ci(metric: str, low: float, high: float) -> str:
    """A confidence interval ``[low, high]`` (a dash when it cannot be computed)."""
    if _nan(low) or _nan(high):
        return DASH
    return f"[{fmt_value(metric, low)}{_sep()}{fmt_value(metric, high)}]"


def fmt_diff(metric: str, value: float) -> str:
    """A difference in the metric's unit (shares in percentage points, pt)."""
    return _in_unit(metric, value, signed=True)


def fmt_ci_diff(metric: str, low: float, high: float) -> str:
    """The CI of a difference, ``[-1.2 pt, +0.4 pt]`` (empty when it cannot be computed)."""
    if _nan(low) or _nan(high):
        return ""
    return f"[{fmt_diff(metric, low)}{_sep()}{fmt_diff(metric, high)}]"


def fmt_relative(x: float) -> str:
    """A relative change in %, signed: ``+4.2 %``."""
    return DASH if _nan(x) else f"{number(100 * x, 1, signed=True)}{_space()}%"


# -- metrics -----------------------------------------------------------------------------------


def metric_label(metric: str) -> str:
    """A plain label for a metric (its name when none is written)."""
    from accesssim.vocabulary import LABELS

    label = LABELS.get(metric)
    return _(label) if label else metric.replace("_", " ")


def metric_short(metric: str) -> str:
    """A short label (crowded figures and tables), else the label."""
    short = SHORT_LABELS.get(metric)
    return _(short) if short else metric_label(metric)


def unit_words(unit: str) -> str:
    """A unit of the metric table as shown (shares in %)."""
    words = UNIT_WORDS.get(unit)
    if words is None:
        return unit
    return words if words in ("%", "€") else _(words)


def metric_unit(metric: str) -> str:
    """The unit of a metric as shown (shares in %)."""
    return unit_words(METRICS.get(metric, ("", ""))[0])


def metric_definition(metric: str) -> str:
    """The definition of a metric (docs/metrics.md)."""
    text = METRICS.get(metric, ("", ""))[1]
    return _(text) if text else ""


def better_words(metric: str) -> str:
    """Which direction is better: ``↑ better``, ``↓ better`` or empty."""
    better = BETTER.get(metric, 0)
    if better > 0:
        return _("↑ better")
    if better < 0:
        return _("↓ better")
    return ""


def outcome_label(outcome: str) -> str:
    """How a request ended, in words."""
    label = OUTCOME_LABELS.get(outcome)
    return _(label) if label else outcome


# -- readings ----------------------------------------------------------------------------------


def reading(metric: str, significant: bool, diff: float) -> str:
    """What a difference means for a planner: better, worse, costs more or less, higher or
    lower (indicators without a better side), or no clear change (95 % CI includes 0)."""
    if not significant or _nan(diff) or diff == 0:
        return _("no clear change")
    up = diff > 0
    if METRICS.get(metric, ("", ""))[0] == "EUR":
        return _("costs more") if up else _("costs less")
    better = BETTER.get(metric)
    if better is None:
        return _("higher") if up else _("lower")
    return _("better") if up == (better > 0) else _("worse")


def significance(significant: bool) -> str:
    """Whether the 95 % CI of a difference excludes 0, in words."""
    return _("clear change") if significant else _("could be chance")


def gain_words(gain: str, fallback: str = "") -> str:
    """What a gain of the cost-per-gain table counts."""
    words = GAIN_WORDS.get(gain)
    return _(words) if words else fallback or gain


def per_unit(eur_per_unit: float) -> str:
    """The cost per unit of gain in words: euros, "gains and saves ... per unit" (better and
    cheaper), or a dash when the gain's 95 % CI does not lie above 0."""
    if _nan(eur_per_unit):
        return _("– (gain not above 0)")
    if eur_per_unit < 0:
        return _("gains and saves {eur} per unit").format(eur=fmt_eur(-eur_per_unit))
    return fmt_eur(eur_per_unit)


def item_label(item: str) -> str:
    """A cost item in words (its identifier when unknown)."""
    words = ITEM_WORDS.get(item)
    return _(words) if words else item.replace("_", " ")


def perspective_words(perspective: str) -> str:
    """Whose costs are counted, in words."""
    words = PERSPECTIVE_WORDS.get(perspective)
    return _(words) if words else perspective


def dominance_words(case: str) -> str:
    """The cost-effectiveness case of an alternative, in words."""
    words = DOMINANCE_WORDS.get(case)
    return _(words) if words else case
