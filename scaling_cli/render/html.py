"""A plan as one self-contained HTML page (``scaling report``): to share, read in a browser, print to PDF.

The page holds only what the plan's table output holds, from the same views (``render.headline``,
``render.views``: the headline, each phase's tables with P10–P90, the defaults used and their
sources), the three pictures of ``scaling plot`` drawn as inline SVG by ``render.svg``, and the
scenario as planned (``--set`` overrides applied). Nothing is fetched when it is opened: CSS and
SVG are inline, there is no script, no font or image from elsewhere, and a Content-Security-Policy
forbids any. Every piece of text from the scenario or the plan is escaped. Print CSS starts each
section on a new page, keeps table rows and charts whole and repeats table headers.
"""

from __future__ import annotations

from dataclasses import dataclass
from html import escape
from typing import Any

from scaling_cli import __version__
from scaling_cli.plotting import cumulative_points, frontier_points, lifecycle_bars
from scaling_cli.render import svg
from scaling_cli.render.headline import headline_tables
from scaling_cli.render.model import Cell, Num, Table
from scaling_cli.render.numbers import format_cell
from scaling_cli.render.views import SECTION_TITLES, assumptions_tables, metric_table, plan_charts, section_detail_tables

#: No network, no script: only the page's own styles and inline (data:) images may load.
CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:"

CSS = """
:root { --ink: #1f2933; --text: #3e4c59; --muted: #616e7c; --rule: #d9dee4; --soft: #f4f6f8; --accent: #1f4e79; }
* { box-sizing: border-box; }
html { background: #fff; }
body { margin: 0; color: var(--ink); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1180px; margin: 0 auto; padding: 40px 48px 56px; }
.kicker { margin: 0; font-size: 12px; font-weight: 600; letter-spacing: .08em; text-transform: uppercase; color: var(--accent); }
h1 { margin: 4px 0 8px; font-size: 30px; line-height: 1.2; overflow-wrap: anywhere; }
.lede { margin: 0 0 10px; max-width: 60em; font-size: 16px; color: var(--text); overflow-wrap: anywhere; }
.meta { display: flex; flex-wrap: wrap; gap: 2px 28px; margin: 0 0 18px; padding: 0; list-style: none; font-size: 12.5px; color: var(--muted); }
.meta b { font-weight: 600; color: var(--text); }
.cards-title { margin: 18px 0 6px; font-size: 13px; font-weight: 600; color: var(--text); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(165px, 1fr)); gap: 12px; }
.card { padding: 10px 14px 12px; border: 1px solid var(--rule); border-top: 3px solid var(--accent); border-radius: 6px; }
.card .label { font-size: 12px; color: var(--muted); }
.card .value { font-size: 24px; font-weight: 650; font-variant-numeric: tabular-nums; white-space: nowrap; }
.card .band { font-size: 12px; color: var(--muted); font-variant-numeric: tabular-nums; }
.warnings { margin: 18px 0 0; padding: 8px 16px; border-left: 4px solid #d97706; background: #fffbeb; font-size: 13px; }
.warnings ul { margin: 4px 0; padding-left: 18px; }
nav.toc { margin: 22px 0 0; padding: 10px 0; border-top: 1px solid var(--rule); border-bottom: 1px solid var(--rule); }
nav.toc ol { display: flex; flex-wrap: wrap; gap: 4px 22px; margin: 0; padding: 0; list-style: none; font-size: 13px; }
nav.toc a { color: var(--accent); text-decoration: none; }
section { margin-top: 40px; }
h2 { margin: 0 0 14px; padding-bottom: 4px; border-bottom: 2px solid var(--ink); font-size: 21px; }
h2 .n { margin-right: 10px; color: var(--accent); }
.intro { margin: -4px 0 14px; max-width: 62em; color: var(--text); }
figure { margin: 0 0 24px; }
figcaption { margin-bottom: 6px; font-size: 14px; font-weight: 600; overflow-wrap: anywhere; }
.scroll { overflow-x: auto; }
table { width: 100%; border-collapse: collapse; font-size: 13px; font-variant-numeric: tabular-nums; }
th { padding: 6px 10px; border-bottom: 1px solid #bcc4cd; background: var(--soft); color: var(--text);
     font-size: 12px; font-weight: 600; text-align: left; vertical-align: bottom; }
td { padding: 5px 10px; border-bottom: 1px solid #e9edf1; vertical-align: top; overflow-wrap: break-word; }
.num { text-align: right; white-space: nowrap; }
.num.wrap { white-space: normal; }
td.sub { padding-left: 26px; color: var(--text); }
tr.band td { padding-top: 0; color: var(--muted); font-size: 12px; }
td.detail { min-width: 22em; font-size: 12px; color: var(--text); }
table.headline td:first-child { font-weight: 600; }
table.headline tr.band td:first-child { font-weight: 400; }
table.headline td:last-child, table.headline th:last-child { background: #f7f9fb; font-weight: 600; }
.notes { margin: 6px 0 0; padding-left: 18px; font-size: 12px; color: var(--muted); }
.notes li { overflow-wrap: anywhere; }
.chart { padding: 14px 16px 8px; border: 1px solid var(--rule); border-radius: 6px; }
.chart p { margin: 4px 0 0; font-size: 12px; color: var(--muted); }
.charts { display: grid; grid-template-columns: 1fr 1fr; gap: 16px; margin-bottom: 24px; }
.charts figure { margin: 0; }
svg { display: block; font-family: inherit; }
pre { margin: 0; padding: 12px 14px; border: 1px solid var(--rule); background: var(--soft); white-space: pre-wrap; overflow-wrap: anywhere;
      font: 12px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; }
code { font-family: ui-monospace, SFMono-Regular, Menlo, Consolas, "Liberation Mono", monospace; font-size: .92em; }
footer { margin-top: 48px; padding-top: 10px; border-top: 1px solid var(--rule); font-size: 12px; color: var(--muted); }
@media (max-width: 900px) { .charts { grid-template-columns: 1fr; } main { padding: 24px 18px; } }
@page { size: A4; margin: 14mm 12mm 16mm; }
@page wide { size: A4 landscape; }
@media print {
  body { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  section { break-before: page; margin-top: 0; }
  main > section:first-of-type { break-before: auto; margin-top: 28px; }
  section.wide { page: wide; }
  .charts figure svg { max-width: 540px; margin: 0 auto; }
  tr, .card, .cards, figure.chart, .warnings, li { break-inside: avoid; }
  thead { display: table-header-group; }
  h2, figcaption, .intro { break-after: avoid; }
  .scroll { overflow: visible; }
  .charts { grid-template-columns: 1fr; }
  table { font-size: 8pt; }
  th, td { padding: 3px 5px; }
  td.detail { min-width: 0; }
  a { color: inherit; text-decoration: none; }
  * { print-color-adjust: exact; -webkit-print-color-adjust: exact; }
}
"""


@dataclass(frozen=True)
class Section:
    """One part of the page: its anchor, heading, a sentence that says what it holds, and its HTML."""

    anchor: str
    title: str
    intro: str
    body: str
    #: Holds a table too wide for a portrait page: printed on landscape pages.
    wide: bool = False


def plan_html(plan: Any, scenario_yaml: str, overrides: list[str]) -> str:
    """The whole page for ``plan``; ``scenario_yaml`` is the scenario as planned, ``overrides`` the ``--set`` items."""
    headline = headline_tables(plan)
    sections = [
        Section("summary", "Summary", "Per phase and in total, and the three figures the scaling laws are about.", "".join(table_html(t, "headline" if i == 0 else "") for i, t in enumerate(headline))),
        pictures_section(plan),
        *phase_sections(plan),
        assumptions_section(plan),
        scenario_section(plan, scenario_yaml, overrides),
    ]
    return page(plan.name, cover(plan, headline), sections, plan.source)


def page(name: str, header: str, sections: list[Section], source: str) -> str:
    """The self-contained document: ``header``, a table of contents and the numbered ``sections`` (empty ones left out)."""
    sections = [s for s in sections if s.body]
    body = "".join(
        f'<section id="{s.anchor}"{_class("wide" if s.wide else "")}><h2><span class="n">{number}</span>{escape(s.title)}</h2>'
        + (f'<p class="intro">{escape(s.intro)}</p>' if s.intro else "")
        + f"{s.body}</section>"
        for number, s in enumerate(sections, 1)
    )
    contents = "".join(f'<li><a href="#{s.anchor}">{number}. {escape(s.title)}</a></li>' for number, s in enumerate(sections, 1))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<meta name="generator" content="scaling-cli {escape(__version__)}">'
        f"<title>{escape(name)} — compute budget plan</title><style>{CSS}</style></head>"
        f'<body><main>{header}<nav class="toc"><ol>{contents}</ol></nav>{body}'
        f"<footer>Generated by scaling-cli {escape(__version__)} from {escape(source)}. Every default above names its source; "
        "formulas and calibration are documented in the project's README and docs.</footer></main></body></html>\n"
    )


def portfolio_html(portfolio: Any) -> str:
    """A portfolio's page: its ledger, then each member's headline side by side in sections of their own."""
    header = f'<header><p class="kicker">Compute budget plan: portfolio</p><h1>{escape(portfolio.name)}</h1>'
    header += f'<p class="lede">{escape(portfolio.description)}</p>' if portfolio.description else ""
    if portfolio.warnings:
        header += '<div class="warnings"><b>Warnings</b><ul>' + "".join(f"<li>{escape(w)}</li>" for w in portfolio.warnings) + "</ul></div>"
    sections = [Section("ledger", "Ledger", "Every member's FLOP, GPU-hours, cost and energy per phase, and the portfolio's (point estimates).", table_html(portfolio.csv_table()))]
    for index, (name, plan) in enumerate(portfolio.members, 1):
        tables = headline_tables(plan)
        body = "".join(table_html(t, "headline" if i == 0 else "") for i, t in enumerate(tables))
        sections.append(Section(f"member-{index}", name, f"{plan.source}: its headline (scaling report {plan.source} gives its whole page).", body))
    return page(portfolio.name, header + "</header>", sections, portfolio.source)


def cover(plan: Any, headline: list[Table]) -> str:
    """Title, description, where the figures come from, the key figures and any warnings."""
    meta = [("Scenario", plan.source), ("Uncertainty", _uncertainty(plan.uncertainty))]
    parts = [
        '<header><p class="kicker">Compute budget plan</p>',
        f"<h1>{escape(plan.name)}</h1>",
        f'<p class="lede">{escape(plan.description)}</p>' if plan.description else "",
        '<ul class="meta">' + "".join(f"<li><b>{escape(k)}:</b> {escape(v)}</li>" for k, v in meta) + "</ul>",
        key_figures(headline[0]) if headline else "",
    ]
    if plan.warnings:
        parts.append('<div class="warnings"><b>Warnings</b><ul>' + "".join(f"<li>{escape(w)}</li>" for w in plan.warnings) + "</ul></div>")
    return "".join(parts) + "</header>"


def _uncertainty(settings: dict[str, Any] | None) -> str:
    if not settings:
        return "point estimates only (no Monte Carlo bands)"
    return f"{settings.get('band', 'P10-P90').replace('-', '–')} bands from {settings['samples']:,} Monte Carlo samples (seed {settings['seed']})"


def _is_band(row: list[Cell]) -> bool:
    return str(row[0]).strip().startswith("P10")


def key_figures(headline: Table) -> str:
    """Cards of the headline's last column (the lifecycle total, or the only phase), each with the
    P10–P90 row under it where the headline has one."""
    cards = []
    for index, row in enumerate(headline.rows):
        if _is_band(row):
            continue
        following = headline.rows[index + 1] if index + 1 < len(headline.rows) else None
        band = f'<div class="band">P10–P90 {escape(format_cell(following[-1]))}</div>' if following and _is_band(following) else ""
        cards.append(f'<div class="card"><div class="label">{escape(str(row[0]))}</div><div class="value">{escape(format_cell(row[-1]))}</div>{band}</div>')
    title = f"{headline.columns[-1]}" + (" of the lifecycle" if headline.columns[-1] == "Total" else "")
    return f'<p class="cards-title">{escape(title)}</p><div class="cards">{"".join(cards)}</div>'


def table_html(table: Table, kind: str = "") -> str:
    """A ``Table`` view as an HTML table of class ``kind``: numbers formatted as in the text output,
    right-aligned; indented labels (``  of which``) and P10–P90 rows set off; notes under it."""
    head = "".join(f'<th scope="col"{_class(_column_class(table, i))}>{escape(c)}</th>' for i, c in enumerate(table.columns))
    rows = []
    for row in table.rows:
        cells = []
        for i, cell in enumerate(row):
            text = format_cell(cell)
            cells.append(f"<td{_class(_cell_class(table, i, cell, text))}>{escape(text.strip() if i == 0 else text)}</td>")
        rows.append(f"<tr{_class('band' if _is_band(row) else '')}>{''.join(cells)}</tr>")
    notes = '<ul class="notes">' + "".join(f"<li>{escape(n)}</li>" for n in table.notes) + "</ul>" if table.notes else ""
    caption = f"<figcaption>{escape(table.title)}</figcaption>" if table.title else ""
    return (
        f'<figure class="table">{caption}<div class="scroll"><table{_class(kind)}>'
        f"<thead><tr>{head}</tr></thead><tbody>{''.join(rows)}</tbody></table></div>{notes}</figure>"
    )


#: The most columns a table printed on a portrait page holds.
PORTRAIT_COLUMNS = 9
#: Text longer than this in a number column (an assumption such as "serving roofline") may wrap.
NOWRAP_CHARS = 24


def _cell_class(table: Table, index: int, cell: Cell, text: str) -> str:
    if index == 0 and isinstance(cell, str) and cell.startswith(" "):
        return "sub"
    if index in table.numeric or isinstance(cell, Num):
        return "num" if isinstance(cell, Num) or len(text) <= NOWRAP_CHARS else "num wrap"
    return "detail" if index in table.details else ""


def _column_class(table: Table, index: int) -> str:
    if index in table.numeric:
        return "num"
    return "detail" if index in table.details else ""


def _class(name: str) -> str:
    return f' class="{name}"' if name else ""


def chart_html(drawing: str, note: str = "") -> str:
    return f'<figure class="chart">{drawing}{f"<p>{escape(note)}</p>" if note else ""}</figure>'


def pictures_section(plan: Any) -> Section:
    """The three panels of ``scaling plot``, then the plan's bar views (compute by phase, group, workload)."""
    lifecycle = chart_html(svg.lifecycle_chart(lifecycle_bars(plan)), "Lighter bars: a phase's largest derivative groups or workloads.")
    curves = (
        '<div class="charts">'
        + chart_html(svg.frontier_chart(frontier_points(plan)), "The fit's compute-optimal frontier; the star is this scenario, the ring the optimum at its compute.")
        + chart_html(svg.cumulative_chart(cumulative_points(plan)), "Serving compute summed day by day against the FLOP spent before it.")
        + "</div>"
    )
    bars = "".join(chart_html(svg.bar_chart(chart)) for chart in plan_charts(plan))
    return Section("pictures", "Pictures", "Where the compute goes, what the model buys in loss, and when serving overtakes training.", lifecycle + curves + bars)


def phase_sections(plan: Any) -> list[Section]:
    """One section per planned phase and the lifecycle total, with the same tables as ``scaling plan``."""
    sections = []
    for name, data in plan.sections.items():
        if data is None:
            continue
        title = SECTION_TITLES.get(name, name)
        tables = [metric_table(f"{title} — {plan.name}", name, data), *section_detail_tables(name, data)]
        anchor = name.replace("_", "-")
        sections.append(Section(anchor, title, "", "".join(table_html(t) for t in tables), any(len(t.columns) > PORTRAIT_COLUMNS for t in tables)))
    return sections


def assumptions_section(plan: Any) -> Section:
    tables = assumptions_tables(plan.assumptions)
    return Section("assumptions", "Assumptions and their sources", "Every number the plan used that the scenario did not give.", "".join(table_html(t) for t in tables))


def scenario_section(plan: Any, scenario_yaml: str, overrides: list[str]) -> Section:
    """The scenario as planned, and the command-line overrides already applied to it."""
    parts = []
    if overrides:
        parts.append('<ul class="notes">' + "".join(f"<li>--set <code>{escape(item)}</code></li>" for item in overrides) + "</ul>")
    parts.append(f"<pre><code>{escape(scenario_yaml)}</code></pre>")
    intro = f"From {plan.source}" + (", with the --set overrides below applied." if overrides else ".")
    return Section("scenario", "Scenario", intro, "".join(parts))
