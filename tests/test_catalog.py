"""The accelerator catalog and the efficiency calibration are data with sources, compiled faithfully."""

from __future__ import annotations

import json
import os
import shutil

import pytest

from scaling_cli.catalog import source
from scaling_cli.catalog.calibration import prior_for, run_efficiencies
from scaling_cli.catalog.hardware import CatalogLookupError, accelerators, find_accelerator
from tests.conftest import run_subprocess

H100 = "nvidia-h100-sxm5-80gb"


@pytest.fixture
def hardware_doc(tmp_path, monkeypatch):
    """The hardware document compiled from a private copy of its YAML sources, cached in ``tmp/cache``."""
    data = tmp_path / "data"
    data.mkdir()
    for name in source.HARDWARE_JSON.sources:
        shutil.copy(source.DATA_DIR / name, data / name)
    monkeypatch.setenv(source.CACHE_DIR_ENV, str(tmp_path / "cache"))
    return source.CompiledJson("hardware", source.HARDWARE_JSON.sources, source.compile_hardware, data)


def _h100_bf16(doc: source.CompiledJson) -> float:
    return next(a for a in doc.load()["accelerators"] if a["id"] == H100)["peak_tflops_dense"]["bf16"]


def _cache_files(tmp_path) -> list[str]:
    return sorted(p.name for p in (tmp_path / "cache").iterdir())


def test_cache_directory_follows_the_override_then_xdg_then_home(monkeypatch, tmp_path):
    monkeypatch.setenv("SCALING_CACHE_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg"))
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert source.cache_dir() == tmp_path / "mine"
    monkeypatch.delenv("SCALING_CACHE_DIR")
    assert source.cache_dir() == tmp_path / "xdg" / "scaling-cli"
    monkeypatch.setenv("XDG_CACHE_HOME", "relative/dir")  # invalid under the XDG spec: ignored
    assert source.cache_dir() == tmp_path / "home" / ".cache" / "scaling-cli"


def test_first_use_writes_the_cache_and_later_uses_need_no_yaml(hardware_doc, tmp_path, monkeypatch):
    assert _h100_bf16(hardware_doc) == 989.5  # NVIDIA's 1,979 with sparsity, halved
    (name,) = _cache_files(tmp_path)
    assert name.startswith("hardware-") and name.endswith(".json") and len(name) == len("hardware-.json") + 64
    first = hardware_doc.read_text()

    def no_yaml(raw):
        raise AssertionError("a cache hit parsed YAML")

    monkeypatch.setattr(source, "_parse_yaml", no_yaml)
    assert hardware_doc.read_text() == first
    assert _h100_bf16(hardware_doc) == 989.5


def test_hit_and_miss_give_the_same_text_with_sorted_keys(hardware_doc, tmp_path, monkeypatch):
    miss = hardware_doc.read_text()
    assert hardware_doc.read_text() == miss
    monkeypatch.setenv(source.CACHE_DIR_ENV, str(tmp_path / "elsewhere"))
    assert hardware_doc.read_text() == miss
    assert list(hardware_doc.load()) == ["accelerators", "catalog", "compiled", "conventions", "run_hardware", "sources"]


def test_a_changed_source_gets_a_new_key_and_its_new_figures(hardware_doc, tmp_path):
    assert _h100_bf16(hardware_doc) == 989.5
    yaml_file = hardware_doc.data_dir / "hardware.yaml"
    text = yaml_file.read_text(encoding="utf-8")
    yaml_file.write_text(text.replace("    bf16: 989.5\n", "    bf16: 900.0\n", 1), encoding="utf-8")
    assert _h100_bf16(hardware_doc) == 900.0  # not the stale cached 989.5
    assert len(_cache_files(tmp_path)) == 2
    yaml_file.write_text(text, encoding="utf-8")
    assert _h100_bf16(hardware_doc) == 989.5
    assert len(_cache_files(tmp_path)) == 2  # the original key's file again


@pytest.mark.parametrize("junk", [b"", b'{"accelerators": [', b"\xff\xfe\x00", b"[1, 2]", b"null", b"[" * 100_000])
def test_a_corrupt_cache_file_is_ignored_and_replaced(hardware_doc, tmp_path, junk):
    good = hardware_doc.read_text()
    (name,) = _cache_files(tmp_path)
    (tmp_path / "cache" / name).write_bytes(junk)
    assert hardware_doc.read_text() == good
    assert _h100_bf16(hardware_doc) == 989.5
    assert (tmp_path / "cache" / name).read_text(encoding="utf-8") == good


def test_an_unusable_cache_directory_still_compiles(hardware_doc, tmp_path, monkeypatch):
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    monkeypatch.setenv(source.CACHE_DIR_ENV, str(blocker / "cache"))
    assert _h100_bf16(hardware_doc) == 989.5
    assert blocker.read_text() == "not a directory"


def test_a_failed_write_leaves_no_temporary_file(hardware_doc, tmp_path, monkeypatch):
    def disk_full(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(source.os, "replace", disk_full)
    assert _h100_bf16(hardware_doc) == 989.5
    assert _cache_files(tmp_path) == []


def test_no_home_directory_means_no_cache_not_an_error(hardware_doc, monkeypatch):
    for name in (source.CACHE_DIR_ENV, "XDG_CACHE_HOME"):
        monkeypatch.delenv(name, raising=False)

    def no_home():
        raise RuntimeError("Could not determine home directory.")

    monkeypatch.setattr(source.Path, "home", no_home)
    assert source.cache_dir() is None
    assert _h100_bf16(hardware_doc) == 989.5


def test_the_cli_works_when_the_cache_cannot_be_created(tmp_path):
    blocker = tmp_path / "a-file"
    blocker.write_text("")
    result = run_subprocess("hardware", "show", "h100", "--format", "json", env={source.CACHE_DIR_ENV: str(blocker / "cache")})
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""
    assert json.loads(result.stdout)["accelerator"]["peak_tflops_dense"]["bf16"] == 989.5
    assert not os.path.isdir(blocker / "cache")


def test_the_overlay_and_the_catalog_must_name_the_same_accelerators():
    docs = {name: source._parse_yaml((source.DATA_DIR / name).read_bytes()) for name in source.HARDWARE_JSON.sources}
    extras = docs["hardware_overlay.yaml"]["accelerators"]
    h100 = extras.pop(H100)
    with pytest.raises(source.CatalogSourceError, match=f"no entry for {H100}"):
        source.compile_hardware(docs)
    extras[H100] = h100
    extras["imaginary-x1"] = h100
    with pytest.raises(source.CatalogSourceError, match="imaginary-x1"):
        source.compile_hardware(docs)


def test_at_least_30_accelerators_each_with_sources():
    entries = accelerators()
    assert len(entries) >= 30
    for accel in entries:
        assert accel.sources, accel.id
        assert accel.precisions, accel.id


@pytest.mark.parametrize(
    "name, expected_id",
    [("h100", "nvidia-h100-sxm5-80gb"), ("H100", "nvidia-h100-sxm5-80gb"), ("A100-80GB", "nvidia-a100-sxm-80gb"), ("tpu-v5p", "google-tpu-v5p"), ("nvidia-b200-hgx", "nvidia-b200-hgx")],
)
def test_aliases_are_case_insensitive(name, expected_id):
    assert find_accelerator(name).id == expected_id


def test_miss_suggests_close_names():
    with pytest.raises(CatalogLookupError, match="did you mean 'h100'"):
        find_accelerator("h10")


def test_peaks_are_the_dense_datasheet_values():
    # H100 SXM: NVIDIA prints 1,979 TFLOP/s BF16 *with sparsity*; dense is half (docs/DOMAIN.md §4; the catalog's conventions header).
    assert find_accelerator("h100").peak_flops("bf16") == pytest.approx(989.5e12)
    assert find_accelerator("a100").peak_flops("bf16") == pytest.approx(312e12)
    assert find_accelerator("tpu-v4").peak_flops("bf16") == pytest.approx(275e12)


def test_missing_figures_stay_missing():
    tpu = find_accelerator("tpu-v5e")
    assert tpu.power_w is None
    with pytest.raises(CatalogLookupError, match="no published dense fp8 peak"):
        tpu.peak_flops("fp8")
    with pytest.raises(CatalogLookupError, match="does not support bf16"):
        find_accelerator("v100").peak_flops("bf16")


def test_memory_units_follow_the_vendor_label():
    assert find_accelerator("h100").memory_bytes == 80 * 2**30  # an HBM label counts GiB: nvidia-smi shows 81,559 MiB
    assert find_accelerator("tpu-v4").memory_bytes == 32 * 2**30  # GiB


def test_implied_efficiency_matches_published_runs_derivations():
    # published_runs.yaml precomputes implied_util = 6·N·D / (GPU-h × 3600 × peak) for A100 runs.
    by_name = {r.name: r for r in run_efficiencies()}
    for name in ("LLaMA-7B", "LLaMA-65B", "Llama 2 70B", "BLOOM-176B", "MPT-7B"):
        run = by_name[name]
        assert run.efficiency == pytest.approx(run.run["extra"]["derived"]["implied_util"], abs=0.0015), name


def test_ampere_prediction_sits_among_its_runs():
    runs = [r for r in run_efficiencies() if r.efficiency_class == "ampere"]
    assert len(runs) >= 11
    middle = sorted(runs, key=lambda r: r.run["active_params"])[len(runs) // 2]
    predicted = prior_for("ampere", middle.run["active_params"], middle.run["active_params"]).efficiency
    assert min(r.efficiency for r in runs) < predicted < max(r.efficiency for r in runs)


def test_fp8_run_is_measured_against_the_16_bit_peak():
    # DeepSeek-V3 (FP8): 6 × 37e9 × 14.8e12 / (2.664e6 h × 3600 × 989.5e12 BF16) = 0.346, beside
    # Llama 3.1 405B's BF16 0.345; against the FP8 peak (1979e12) it would read 0.173.
    deepseek = next(r for r in run_efficiencies() if r.name == "DeepSeek-V3")
    assert deepseek.precision == "fp8"
    assert deepseek.efficiency == pytest.approx(6 * 37e9 * 14.8e12 / (2.664e6 * 3600 * 989.5e12), rel=1e-9)
    assert deepseek.efficiency == pytest.approx(0.346, abs=0.001)
    assert "DeepSeek-V3" in prior_for("hopper", 37e9, 671e9).runs


def test_fp8_plan_gets_no_throughput_credit_by_default(cli, scenario_file):
    base = "name: t\nmodel: {params: 37B}\npretraining: {tokens: 1T}\nhardware: {accelerator: h100, precision: %s}\n"
    bf16 = cli("plan", scenario_file(base % "bf16"), "-f", "json").json()["pretraining"]
    fp8 = cli("plan", scenario_file(base % "fp8"), "-f", "json").json()["pretraining"]
    assert fp8["gpu_hours"] == pytest.approx(bf16["gpu_hours"], rel=1e-9)
    assert fp8["mfu"] == pytest.approx(bf16["mfu"] * 989.5 / 1979, rel=1e-9)


def test_every_class_in_the_overlay_has_a_finite_prediction_with_a_band():
    for efficiency_class in {a.efficiency_class for a in accelerators()}:
        prior = prior_for(efficiency_class, 70e9, 70e9)
        assert 0.05 < prior.efficiency < 0.8 and 0.05 < prior.log_sigma < 1.5, efficiency_class
