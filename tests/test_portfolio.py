"""Portfolios: several scenario files planned with one ledger, run as a user runs them."""

from __future__ import annotations

import csv
import io
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

FAMILY = Path(__file__).resolve().parent.parent / "configs" / "llama-3-family"


def _run(*args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "scaling_cli", *args], capture_output=True, text=True, cwd=cwd)


def _json(*args: str) -> dict:
    run = _run(*args, "--format", "json", "--samples", "0")
    assert run.returncode == 0, run.stderr
    return json.loads(run.stdout)


def test_the_ledger_is_the_sum_of_the_members_own_plans():
    portfolio = _json("plan", str(FAMILY / "family.portfolio.yaml"))
    ledger = portfolio["ledger"]
    assert [m["name"] for m in ledger["members"]] == ["llama-3.1-8b", "llama-3.1-70b", "flagship-405b"]
    for member, path in zip(ledger["members"], ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"]):
        # each member planned alone, with the portfolio's shared hardware given as --set
        alone = _json("plan", str(FAMILY / f"{path}.scenario.yaml"), "--set", "hardware.price_per_hour=2.5", "--set", "hardware.pue=1.2")
        for phase in ("pretraining", "test_time", "total"):
            for key in ("flops", "gpu_hours", "cost_usd", "energy_mwh"):
                assert member[phase][key] == pytest.approx(alone[phase][key])
        assert member["post_training"] is None
    for key in ("flops", "gpu_hours", "cost_usd", "energy_mwh"):
        assert ledger["total"]["total"][key] == pytest.approx(sum(m["total"][key] for m in ledger["members"]))
    assert sum(m["cost_share"] for m in ledger["members"]) == pytest.approx(1.0)
    # shared price: every member's cost is its GPU-hours × $2.5
    for member in ledger["members"]:
        assert member["total"]["cost_usd"] == pytest.approx(member["total"]["gpu_hours"] * 2.5)


def test_a_members_own_hardware_key_wins_over_the_shared_one(tmp_path):
    shutil.copytree(FAMILY, tmp_path / "family")
    member = tmp_path / "family" / "llama-3.1-8b.scenario.yaml"
    member.write_text(member.read_text().replace("hardware: {accelerator: h100, count: 2048}", "hardware: {accelerator: h100, count: 2048, price_per_hour: 4}"))
    ledger = _json("plan", str(tmp_path / "family" / "family.portfolio.yaml"))["ledger"]
    own, shared = ledger["members"][0]["total"], ledger["members"][1]["total"]
    assert own["cost_usd"] == pytest.approx(own["gpu_hours"] * 4)
    assert shared["cost_usd"] == pytest.approx(shared["gpu_hours"] * 2.5)


def test_compare_and_csv_long_see_the_members():
    run = _run("compare", str(FAMILY / "family.portfolio.yaml"), "--format", "json")
    assert run.returncode == 0, run.stderr
    compared = json.loads(run.stdout)
    assert [s["name"] for s in compared["scenarios"]] == ["llama-3.1-8b", "llama-3.1-70b", "llama-3.1-405b"]
    run = _run("plan", str(FAMILY / "family.portfolio.yaml"), "--format", "csv-long", "--samples", "0")
    rows = list(csv.DictReader(io.StringIO(run.stdout)))
    assert run.returncode == 0 and rows and {"phase", "item", "metric", "value"} <= set(rows[0])


@pytest.mark.parametrize(
    "text, where",
    [
        ("name: p\nmembers: [missing.scenario.yaml]\n", "members"),
        ("name: p\nmembers: []\n", "members"),
        ("name: p\nhardware: {price_per_hour: -1}\nmembers: [a.yaml]\n", "hardware.price_per_hour"),
        ("name: p\nmembers: [a.yaml, a.yaml]\n", "members"),
    ],
)
def test_bad_portfolios_are_one_located_line(tmp_path, text, where):
    shutil.copy(FAMILY / "llama-3.1-8b.scenario.yaml", tmp_path / "a.yaml")
    (tmp_path / "p.yaml").write_text(text)
    run = _run("plan", str(tmp_path / "p.yaml"))
    assert run.returncode == 1, run.stdout
    assert "Traceback" not in run.stderr and where in run.stderr and "p.yaml:" in run.stderr
    assert len(run.stderr.strip().splitlines()) == 1


def test_a_bad_member_is_located_in_its_own_file(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nmodel: {params: -5B}\n")
    (tmp_path / "p.yaml").write_text("name: p\nmembers: [a.yaml]\n")
    run = _run("plan", str(tmp_path / "p.yaml"))
    assert run.returncode == 1 and "a.yaml:2:" in run.stderr and "model.params" in run.stderr
    assert _run("validate", str(tmp_path / "p.yaml")).returncode == 1


def test_report_of_a_portfolio_holds_the_ledger_and_every_member(tmp_path):
    from html.parser import HTMLParser

    out = tmp_path / "family.html"
    run = _run("report", str(FAMILY / "family.portfolio.yaml"), "--samples", "0", "-o", str(out))
    assert run.returncode == 0, run.stderr
    page = out.read_text()

    class Text(HTMLParser):
        def __init__(self) -> None:
            super().__init__()
            self.text: list[str] = []
            self.external = False

        def handle_starttag(self, tag, attrs):
            self.external |= any(k in ("src", "href") and v and not v.startswith("#") for k, v in attrs)

        def handle_data(self, data):
            self.text.append(data)

    parser = Text()
    parser.feed(page)
    text = " ".join(parser.text)
    assert not parser.external
    for name in ("llama-3.1-8b", "llama-3.1-70b", "flagship-405b", "llama-3.1-family (portfolio)"):
        assert name in text
    ledger = _json("plan", str(FAMILY / "family.portfolio.yaml"))["ledger"]
    from scaling_cli.render.numbers import format_number

    assert format_number(ledger["total"]["total"]["gpu_hours"], "si") in text
