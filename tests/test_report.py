"""``scaling report``: one self-contained HTML page, checked without a browser (``html.parser``).

What the page must be: nothing fetched when opened (no script, no external stylesheet, font or
image), every headline figure of ``plan --format json`` shown as the report formats numbers
(expected strings derived here from the JSON values with ``render.numbers.format_number``), every
table and chart of the plan's table output present, hostile names shown as text and never as
markup, the scenario as planned, and the output-file rules of every command. The browser test is
``tests/test_report_browser.py``.
"""

from __future__ import annotations

import json
import subprocess
import sys
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
import yaml

from scaling_cli.render.numbers import format_number
from scaling_cli.render.svg import Scale, nice_step
from tests.conftest import CONFIGS

#: Elements the HTML standard defines without an end tag.
VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "track", "wbr"}
PHASE_COLUMNS = {"pretraining": "Pretraining", "post_training": "Post-training", "test_time": "Test-time", "total": "Total"}
#: How the headline writes each figure: FLOP in scientific notation, hours with an SI suffix,
#: dollars with $ and a suffix, MWh with thousands separators; (headline row, JSON key, style).
HEADLINE_FIGURES = (("Compute (FLOP)", "flops", "sci"), ("GPU-hours (reserved)", "gpu_hours", "si"), ("Cost", "cost_usd", "usd"), ("Energy (MWh)", "energy_mwh", "frac"))
BANDED = (("GPU-hours (reserved)", "gpu_hours", "si"), ("Cost", "cost_usd", "usd"))


class Page(HTMLParser):
    """Every element (tag, attributes, the classes and tags it sits in), the text, and the tables
    as rows of cell texts."""

    def __init__(self, text: str) -> None:
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, dict[str, str | None]]] = []
        self.stack: list[tuple[str, dict[str, str | None]]] = []
        self.chunks: list[tuple[str, tuple[str, ...]]] = []  # (text, the tags it is in)
        self.tables: list[dict[str, Any]] = []
        self.feed(text)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        self.elements.append((tag, attributes))
        if tag == "table":
            self.tables.append({"class": attributes.get("class") or "", "rows": []})
        elif tag == "tr" and self.tables:
            self.tables[-1]["rows"].append([])
        elif tag in ("td", "th") and self.tables and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1].append("")
        if tag not in VOID:
            self.stack.append((tag, attributes))

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.elements.append((tag, dict(attrs)))

    def handle_endtag(self, tag: str) -> None:
        while self.stack:
            if self.stack.pop()[0] == tag:
                break

    def handle_data(self, data: str) -> None:
        tags = tuple(tag for tag, _ in self.stack)
        self.chunks.append((data, tags))
        if self.tables and {"td", "th"} & set(tags) and self.tables[-1]["rows"]:
            self.tables[-1]["rows"][-1][-1] += data

    def text(self, inside: str | None = None) -> str:
        return " ".join(data for data, tags in self.chunks if inside is None or inside in tags)

    def tags(self, name: str) -> list[dict[str, str | None]]:
        return [attrs for tag, attrs in self.elements if tag == name]

    def headline(self) -> dict[tuple[str, str], str]:
        """The headline table as {(row label, column header): cell text}; a P10–P90 row is keyed
        ``"<row above> P10–P90"``."""
        table = next(t for t in self.tables if "headline" in t["class"].split())
        header, *rows = table["rows"]
        cells: dict[tuple[str, str], str] = {}
        above = ""
        for row in rows:
            label = row[0].strip()
            label, above = (f"{above} {label}", above) if label.startswith("P10") else (label, label)
            cells.update({(label, column): value.strip() for column, value in zip(header[1:], row[1:])})
        return cells


def expected_headline(document: dict[str, Any]) -> dict[tuple[str, str], str]:
    """The headline cells the report must show, from ``plan --format json``: each phase's (and the
    total's) figures and bands, and the wall-clock days of pretraining and of the longest workload."""
    phases = [name for name in ("pretraining", "post_training", "test_time") if document.get(name)]
    columns = phases + (["total"] if len(phases) > 1 else [])
    expected = {}
    for name in columns:
        section, column = document[name], PHASE_COLUMNS[name]
        for label, key, style in HEADLINE_FIGURES:
            expected[(label, column)] = format_number(section.get(key), style)
        for label, key, style in BANDED:
            if f"{key}_p10" in section and section[f"{key}_p10"] is not None:
                expected[(f"{label} P10–P90", column)] = f"{format_number(section[f'{key}_p10'], style)}–{format_number(section[f'{key}_p90'], style)}"
    if "pretraining" in columns:
        expected[("Wall-clock (days)", "Pretraining")] = format_number(document["pretraining"]["wall_clock_days"], "frac")
    if "test_time" in columns:
        expected[("Wall-clock (days)", "Test-time")] = format_number(max(w["days"] for w in document["test_time"]["workloads"]), "frac")
    return expected


def plan_json(cli, *args: str) -> dict[str, Any]:
    result = cli("plan", *args, "--format", "json")
    assert result.exit_code == 0, result.stderr
    return result.json()


def report_page(cli, tmp_path: Path, *args: str) -> Page:
    out = tmp_path / "plan.html"
    result = cli("report", *args, "-o", str(out))
    assert result.exit_code == 0, result.stderr
    assert result.stderr.splitlines()[-1] == f"wrote {out}"
    assert result.stdout == ""
    return Page(out.read_text(encoding="utf-8"))


def test_the_default_scenario_without_arguments(cli, tmp_path):
    page = report_page(cli, tmp_path)
    assert "default-70b-dense" in page.text("h1")
    assert page.headline() | expected_headline(plan_json(cli)) == page.headline()


@pytest.mark.parametrize("path", CONFIGS, ids=[p.name for p in CONFIGS])
def test_every_headline_figure_of_plan_json_is_on_the_page(cli, tmp_path, path):
    expected = expected_headline(plan_json(cli, str(path)))
    shown = report_page(cli, tmp_path, str(path)).headline()
    assert expected and {key: shown.get(key) for key in expected} == expected


def test_the_laws_figures_and_the_key_figures(cli, tmp_path):
    document = plan_json(cli)
    page = report_page(cli, tmp_path)
    total = document["total"]
    hardest = max(document["test_time"]["workloads"], key=lambda w: w["multiplier_vs_single_pass"])
    text = page.text()
    assert format_number(total["post_training_to_pretraining"], "frac") in text
    assert format_number(hardest["multiplier_vs_single_pass"], "frac") in text and f"× ({hardest['name']})" in text
    cards = page.text("header")
    for key, style in (("flops", "sci"), ("gpu_hours", "si"), ("cost_usd", "usd"), ("energy_mwh", "frac")):
        assert format_number(total[key], style) in cards
    assert f"P10–P90 {format_number(total['cost_usd_p10'], 'usd')}–{format_number(total['cost_usd_p90'], 'usd')}" in cards


def test_nothing_is_fetched_when_the_page_opens(cli, tmp_path):
    out = tmp_path / "plan.html"
    assert cli("report", "-o", str(out)).exit_code == 0
    html = out.read_text(encoding="utf-8")
    page = Page(html)
    assert page.tags("script") == [] and page.tags("iframe") == [] and page.tags("img") == []
    assert page.tags("link") == []  # no stylesheet, font or icon from anywhere
    for tag, attributes in page.elements:
        for name in ("src", "href", "srcset", "action", "data"):
            value = (attributes.get(name) or "").strip().lower()
            assert not value or value.startswith("#"), f"<{tag} {name}={value!r}>: only links within the page"
    styles = page.text("style").lower()
    assert "url(" not in styles and "@import" not in styles and "@font-face" not in styles
    policy = next(m["content"] for m in page.tags("meta") if (m.get("http-equiv") or "").lower() == "content-security-policy")
    assert "default-src 'none'" in policy and "script-src" not in policy


def test_every_table_and_chart_of_the_plan_output_is_on_the_page(cli, tmp_path):
    """The page shows the plan's own views: each title of ``scaling plan``'s tables and bar charts
    is a caption or a chart title on the page (read from the piped text output)."""
    from scaling_cli.planner.plan import build_plan
    from scaling_cli.scenario.loading import load_scenario

    titles = {view.title for view in build_plan(load_scenario(None), samples=0).tables() if view.title}
    page = report_page(cli, tmp_path, "--samples", "0")
    shown = {" ".join(data.split()) for data, tags in page.chunks if tags and tags[-1] in ("figcaption", "title")}
    assert titles and titles <= shown, sorted(titles - shown)
    for picture in ("Lifecycle compute by phase", "Loss vs training compute", "Cumulative compute over time"):
        assert picture in shown
    assert len(page.tags("svg")) >= 3


def test_the_assumptions_with_their_sources(cli, tmp_path):
    document = plan_json(cli)
    text = " ".join(report_page(cli, tmp_path).text("table").split())
    for assumption in document["assumptions"][:8]:
        assert assumption["key"] in text
        assert " ".join(assumption["source"].split()) in text


HOSTILE_NAME = "<script>alert('name')</script> & </title>"
HOSTILE = f"""
name: "{HOSTILE_NAME}"
description: "</pre><img src=x onerror=alert(1)> <!-- & -->"
model: {{params: 1B}}
pretraining: {{tokens: 20B}}
hardware: {{count: 8}}
post_training:
  - {{name: "<iframe src=//evil.example>", technique: full_finetune, count: 2, tokens: 1M}}
  - {{name: "a&amp;b", technique: lora, count: 3, tokens: 1M}}
test_time:
  - {{name: '"><svg onload=alert(1)>', queries_per_day: 1K, days: 10, prompt_tokens: 100, output_tokens: 100}}
"""


def test_hostile_names_are_text_not_markup(cli, tmp_path, scenario_file):
    path = scenario_file(HOSTILE)
    page = report_page(cli, tmp_path, path)
    assert page.tags("script") == [] and page.tags("img") == [] and page.tags("iframe") == []
    assert not [(tag, name) for tag, attributes in page.elements for name in attributes if name.lower().startswith("on")]
    assert HOSTILE_NAME in page.text("h1") and HOSTILE_NAME in page.text("title")
    text = page.text()
    for literal in ("</pre><img src=x onerror=alert(1)> <!-- & -->", "<iframe src=//evil.example>", "a&amp;b", '"><svg onload=alert(1)>'):
        assert literal in text, literal
    svg_text = page.text("svg")
    assert "<iframe src=//evil.example>" in svg_text  # drawn in the lifecycle chart, as text
    scenario = yaml.safe_load(page.text("pre"))
    assert scenario["name"] == HOSTILE_NAME


def test_the_scenario_as_planned_with_the_overrides(cli, tmp_path):
    page = report_page(cli, tmp_path, "--set", "hardware.count=512", "--fit", "rule20", "--samples", "0")
    scenario = yaml.safe_load(page.text("pre"))
    assert scenario["hardware"]["count"] == 512 and scenario["pretraining"]["fit"] == "rule20"
    assert scenario["name"] == "default-70b-dense"
    assert "hardware.count=512" in page.text("code") and "pretraining.fit=rule20" in page.text("code")
    assert "point estimates only" in page.text("header")
    document = plan_json(cli, "--set", "hardware.count=512", "--fit", "rule20", "--samples", "0")
    assert page.headline()[("Wall-clock (days)", "Pretraining")] == format_number(document["pretraining"]["wall_clock_days"], "frac")


def test_the_same_inputs_give_the_same_file(cli, tmp_path):
    first, second = (cli("report", "--set", "hardware.count=1024").stdout for _ in range(2))
    assert first == second and first.startswith("<!DOCTYPE html>")


def test_stdout_without_output_and_the_force_rule(cli, tmp_path):
    printed = cli("report", "--samples", "0")
    assert printed.exit_code == 0 and printed.stdout.startswith("<!DOCTYPE html>") and printed.stdout.rstrip().endswith("</html>")
    out = tmp_path / "plan.html"
    out.write_text("keep me", encoding="utf-8")
    refused = cli("report", "--samples", "0", "-o", str(out))
    assert refused.exit_code == 1 and "--force" in refused.stderr and "Traceback" not in refused.stderr
    assert out.read_text(encoding="utf-8") == "keep me"
    assert cli("report", "--samples", "0", "-o", str(out), "--force").exit_code == 0
    assert out.read_text(encoding="utf-8").startswith("<!DOCTYPE html>")


def test_bad_input_is_one_located_line(cli, tmp_path, scenario_file):
    out = tmp_path / "plan.html"
    bad = cli("report", scenario_file("name: x\nmodel: {params: 7Q}\n"), "-o", str(out))
    assert bad.exit_code == 1 and bad.stderr.count("\n") == 1 and ":2:" in bad.stderr and not out.exists()
    assert cli("report", "--set", "no-equals-sign", "-o", str(out)).exit_code == 2
    assert not out.exists()


def test_warnings_go_to_stderr_and_onto_the_page(cli, tmp_path, scenario_file):
    # 16 bytes × 70e9 parameters ÷ 80 GB per H100 = 14 GPUs to hold the training state, on 8
    path = scenario_file("name: w\nhardware: {accelerator: h100, count: 8}\nmodel: {params: 70B}\npretraining: {tokens: 1T}\n")
    result = cli("report", path, "--samples", "0", "-o", str(tmp_path / "w.html"))
    assert result.exit_code == 0, result.stderr
    warning = next(line for line in result.stderr.splitlines() if line.startswith("warning: "))
    assert "needs at least 14 GPUs" in warning
    page = Page((tmp_path / "w.html").read_text(encoding="utf-8"))
    assert warning.removeprefix("warning: ") in " ".join(page.text("header").split())


def test_the_report_needs_no_matplotlib(tmp_path):
    out = tmp_path / "plan.html"
    code = (
        "import sys; sys.modules['matplotlib'] = None\n"
        "from scaling_cli.cli import main\n"
        f"sys.argv = ['scaling', 'report', '--samples', '0', '-o', {str(out)!r}]\n"
        "main()\n"
    )
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert len(Page(out.read_text(encoding="utf-8")).tags("svg")) >= 3


def test_print_styles_break_between_sections_and_keep_rows_whole(cli, tmp_path):
    page = report_page(cli, tmp_path, "--samples", "0")
    css = " ".join(page.text("style").split())
    print_css = css.split("@media print", 1)[1]
    assert "section { break-before: page;" in print_css
    assert "tr," in print_css and "break-inside: avoid" in print_css
    assert "thead { display: table-header-group; }" in print_css
    assert len(page.tags("section")) >= 6


# --- the SVG axes, by hand ----------------------------------------------------------------------


def test_nice_tick_steps():
    assert nice_step(10) == 2  # 10 / 5 = 2
    assert nice_step(7) == 2  # 1.4 rounds up to 2
    assert nice_step(365) == 100  # 73 rounds up to 100
    assert nice_step(0.3) == pytest.approx(0.1)  # 0.06 rounds up to 0.1
    assert nice_step(12) == 2.5  # 2.4 rounds up to 2.5


def test_scales_map_ends_and_ticks():
    linear = Scale(0, 365, 100, 500)
    assert linear(0) == 100 and linear(365) == 500 and linear(182.5) == pytest.approx(300)
    assert linear.ticks() == [0, 100, 200, 300]
    log = Scale(1e20, 1e25, 0, 500, log=True)
    assert log(1e22) == pytest.approx(200) and log.ticks() == pytest.approx([1e20, 1e21, 1e22, 1e23, 1e24, 1e25])
    wide = Scale(1e10, 1e30, 0, 1, log=True)  # 21 decades: every third, at most 7 ticks
    assert wide.ticks() == pytest.approx([1e10, 1e13, 1e16, 1e19, 1e22, 1e25, 1e28])
    assert log(0) == 0  # below a log axis: its bottom


def test_the_json_and_the_page_agree_on_the_pictures(cli, tmp_path):
    document = plan_json(cli, "--samples", "0")
    page = report_page(cli, tmp_path, "--samples", "0")
    pictures = " ".join(page.text("svg").split())
    assert f"{format_number(document['pretraining']['flops'], 'sci')} FLOP" in pictures
    assert f"L = {document['pretraining']['loss']:.3f}" in pictures
    assert f"Pretraining: {format_number(document['pretraining']['flops'], 'sci')} FLOP" in pictures
    assert json.dumps(document["scenario"]["name"])[1:-1] in page.text("h1")
