"""Writing a territory scenario file: YAML with its provenance in comments.

One code path for ``accesssim territory`` and ``tools/build_seed_scenarios.py``: a
:class:`TerritoryFile` (the communes, the GPs, the policies of today's practice and the comment
paragraphs saying where every number comes from) is rendered by :func:`render` into a YAML text
that any YAML reader takes as intended (one commune per line as a flow mapping, INSEE codes
quoted). The output is deterministic: the same inputs give the same bytes.
"""

from __future__ import annotations

import json
import re
import textwrap
from collections.abc import Sequence
from dataclasses import dataclass, field

from accesssim.territory.table import CommuneRecord, CommuneTable

__all__ = [
    "GP_DENSITY_PER_100K",
    "PLATFORM_PER_100K",
    "SAME_DAY_SHARE",
    "TERRITORY_TELE_PER_100K",
    "TerritoryFile",
    "comment_block",
    "current_practice",
    "density_comment",
    "fmt_int",
    "gp_count",
    "point_notes",
    "points_paragraph",
    "render",
    "yaml_str",
]

WIDTH = 99
"""Maximum width of the comment lines written (characters)."""

GP_DENSITY_PER_100K = 78
"""Liberal GPs per 100,000 inhabitants, DREES 2021 (CALIBRATION.md, "Supply")."""

# Today's practice per 100,000 inhabitants, as in scenarios/france-baseline.yaml (the
# calibrated national baseline, docs/calibration.md): teleconsultations a day by a platform and
# by the territory's GPs, and the share of each session kept for same-day needs.
PLATFORM_PER_100K = 28.0
TERRITORY_TELE_PER_100K = 8.0
SAME_DAY_SHARE = 0.25

_YAML11_WORDS = {"y", "n", "yes", "no", "true", "false", "on", "off", "null", "~"}
_SAFE_PLAIN = re.compile(r"[^\W\d_][\w' -]*")


def yaml_str(text: str) -> str:
    """A YAML scalar that any YAML reader (1.1 or 1.2) takes as this exact string."""
    if (
        _SAFE_PLAIN.fullmatch(text)
        and not text.endswith(" ")
        and "  " not in text
        and text.lower() not in _YAML11_WORDS
    ):
        return text
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a YAML double-quoted one


def comment_block(paragraphs: Sequence[str], indent: str = "") -> list[str]:
    """Comment lines: each paragraph wrapped; a paragraph starting with '- ' is a list item."""
    lines: list[str] = []
    for paragraph in paragraphs:
        if paragraph == "":
            lines.append(f"{indent}#")
            continue
        first = f"{indent}# "
        rest = f"{indent}#   " if paragraph.startswith("- ") else first
        lines.extend(
            textwrap.wrap(
                paragraph,
                width=WIDTH,
                initial_indent=first,
                subsequent_indent=rest,
                break_long_words=False,
                break_on_hyphens=False,
            )
        )
    return lines


def fmt_int(n: int) -> str:
    """1234567 -> '1,234,567'."""
    return f"{n:,}"


def gp_count(population: int) -> int:
    """GPs from the national density: round(population x 78 / 100,000)."""
    return round(population * GP_DENSITY_PER_100K / 100_000)


def density_comment(total: int) -> list[str]:
    """The comment of a density-derived ``gps.count``."""
    return [
        "No GP count was published for this territory: derived from the national density of "
        '78 liberal GPs per 100,000 inhabitants (DREES 2021, CALIBRATION.md "Supply"):',
        f"count = round(population * 78 / 100000) = round({total} * 78 / 100000) "
        f"= {gp_count(total)}",
    ]


def current_practice(total: int, reserved_share: float = SAME_DAY_SHARE) -> list[str]:
    """Policy lines for today's practice: same-day slots and teleconsultation, scaled to
    ``total`` inhabitants from the calibrated France baseline."""
    platform = round(PLATFORM_PER_100K * total / 100_000, 2)
    territory = round(TERRITORY_TELE_PER_100K * total / 100_000, 2)
    return [
        *comment_block(
            [
                "Current practice, not a new policy: GPs keep a share "
                "of each session for same-day needs, released to general booking at noon of "
                "the same day, and teleconsultation runs at the national level of about 2-3 % "
                "of GP activity (DREES ER 1249; Cour des comptes 2025). Both are scaled from "
                f"the calibrated France baseline: {PLATFORM_PER_100K:g} platform and "
                f"{TERRITORY_TELE_PER_100K:g} territory-GP teleconsultations a day per 100,000 "
                f"inhabitants, and {reserved_share:.0%} of slots kept for the same day (no "
                "published figure: fitted, see docs/calibration.md). The same-day slots cost "
                "nothing; teleconsultations are counted at their cost per act, in this baseline "
                "as in its variants, so a comparison shows only the change."
            ],
            indent="  ",
        ),
        f"  unscheduled_slots: {{reserved_share: {reserved_share}, release_day: same, "
        "release_time_hours: 12.0}",
        f"  teleconsultation: {{platform_daily_capacity: {platform}, "
        f"gp_daily_capacity: {territory}}}",
    ]


def point_notes(
    chosen: Sequence[tuple[CommuneRecord, str | None]],
) -> list[tuple[CommuneRecord, str | None]]:
    """Mark the communes placed at their centroid (or without a point) on their line."""
    out: list[tuple[CommuneRecord, str | None]] = []
    for c, note in chosen:
        flag = None
        if len(chosen) > 1:  # with one commune no distance is used: its point does not matter
            flag = "centroid" if c.point == "centroid" else None if c.located else "no point"
        parts = [p for p in (note, flag) if p]
        out.append((c, "; ".join(parts) if parts else None))
    return out


def points_paragraph(chosen: Sequence[tuple[CommuneRecord, str | None]]) -> list[str]:
    """A header paragraph counting the communes placed at their centroid or without a point."""
    if len(chosen) == 1:
        return []
    centroids = [c for c, _ in chosen if c.point == "centroid"]
    missing = [c for c, _ in chosen if not c.located]
    if not centroids and not missing:
        return []
    text = (
        f"- Points: {len(centroids)} of the {len(chosen)} communes placed at their centroid "
        f"(marked on their line): the town-hall point of the source lay outside the commune, "
        f"was another commune's or was missing (see the table's README)."
    )
    if missing:
        names = ", ".join(f"{c.insee} {c.name}" for c in missing)
        text += (
            f" Without a point ({len(missing)}, placed by the model at the centre of the "
            f"others): {names}."
        )
    return [text]


@dataclass
class TerritoryFile:
    """Everything one generated scenario file says."""

    filename: str
    generated_by: str
    """First comment paragraph: what wrote the file and how to write it again."""
    title: str
    name: str
    description: str
    sources: list[str]
    territory_name: str
    communes: list[tuple[CommuneRecord, str | None]]
    """The communes in file order, each with an optional line comment."""
    header: list[str]
    """Paragraphs of the "Where the numbers come from" block (before the table's)."""
    gps: int | None
    gps_comment: list[str]
    roster: list[str] = field(default_factory=list)
    """Ready YAML flow mappings of ``gps.roster`` (one GP each)."""
    population: list[tuple[str, str, list[str]]] = field(default_factory=list)
    """(key, YAML value, comment paragraphs) of the population block."""
    policies: list[str] = field(default_factory=list)
    """Ready YAML lines of the policies block (indented by two spaces), comments included."""
    communes_paragraph: str | None = None
    """Replaces the standard paragraph on the commune data (default: the table's sources)."""

    @property
    def total(self) -> int:
        """Sum of the commune populations (the model's population size)."""
        return sum(c.population for c, _ in self.communes)


def commune_line(c: CommuneRecord, note: str | None) -> str:
    """One commune as a flow mapping, with an optional trailing comment."""
    lat = c.lat_text if c.lat_text is not None else "null"
    lon = c.lon_text if c.lon_text is not None else "null"
    text = (
        f'    - {{insee: "{c.insee}", name: {yaml_str(c.name)}, population: {c.population}, '
        f"lat: {lat}, lon: {lon}}}"
    )
    return f"{text}  # {note}" if note else text


def render(spec: TerritoryFile, table: CommuneTable) -> str:
    """The full text of a generated scenario file."""
    communes = spec.communes_paragraph or (
        "- Communes (INSEE code, name, municipal population, latitude and longitude in WGS84 "
        f"degrees of the town hall, or of the commune's centroid where marked): "
        f"{table.source_text()}"
    )
    head = [
        spec.generated_by,
        "",
        spec.title,
        "",
        "Where the numbers come from",
        *spec.header,
        communes,
        f"- Population: population.size is not set; the model uses the sum of the commune "
        f"populations below, {fmt_int(spec.total)} inhabitants in {len(spec.communes)} "
        f"commune(s).",
        "- Every field not written here takes the schema default, whose description names its "
        "source (a CALIBRATION.md figure) or says there is none.",
    ]
    out = comment_block(head)
    out.append(f"name: {yaml_str(spec.name)}")
    out.append("description: >-")
    out.extend(
        textwrap.wrap(
            spec.description,
            width=WIDTH,
            initial_indent="  ",
            subsequent_indent="  ",
            break_long_words=False,
            break_on_hyphens=False,
        )
    )
    out.append("sources:")
    out.extend(f"  - {json.dumps(s, ensure_ascii=False)}" for s in spec.sources)
    out.append("territory:")
    out.append(f"  name: {yaml_str(spec.territory_name)}")
    out.append("  communes:")
    out.extend(commune_line(c, note) for c, note in spec.communes)
    if spec.population:
        out.append("population:")
        for key, value, paragraphs in spec.population:
            out.extend(comment_block(paragraphs, indent="  "))
            out.append(f"  {key}: {value}")
    out.append("gps:")
    out.extend(comment_block(spec.gps_comment, indent="  "))
    if spec.gps is not None:
        out.append(f"  count: {spec.gps}")
    if spec.roster:
        out.append("  roster:")
        out.extend(f"    - {line}" for line in spec.roster)
    if spec.policies:
        out.append("policies:")
        out.extend(spec.policies)
    return "\n".join(out) + "\n"
