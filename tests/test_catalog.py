"""The accelerator catalog and the efficiency calibration are data with sources, compiled faithfully."""

from __future__ import annotations

import statistics

import pytest

from scaling_cli.catalog import build
from scaling_cli.catalog.calibration import efficiency_priors, prior_for, run_efficiencies
from scaling_cli.catalog.hardware import CatalogLookupError, accelerators, find_accelerator


def test_compiled_json_matches_the_yaml_sources():
    """Fails when a YAML file was edited without `python -m scaling_cli.catalog.build`."""
    for path, builder in build.OUTPUTS.items():
        assert path.read_text(encoding="utf-8") == build.render(builder()), f"{path.name} is stale"


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
    # H100 SXM: NVIDIA prints 1,979 TFLOP/s BF16 *with sparsity*; dense is half (hardware.md conventions).
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
    assert find_accelerator("h100").memory_bytes == 80e9  # GB
    assert find_accelerator("tpu-v4").memory_bytes == 32 * 2**30  # GiB


def test_implied_efficiency_matches_published_runs_derivations():
    # published_runs.yaml precomputes implied_util = 6·N·D / (GPU-h × 3600 × peak) for A100 runs.
    by_name = {r.name: r for r in run_efficiencies()}
    for name in ("LLaMA-7B", "LLaMA-65B", "Llama 2 70B", "BLOOM-176B", "MPT-7B"):
        run = by_name[name]
        assert run.efficiency == pytest.approx(run.run["extra"]["derived"]["implied_util"], abs=0.0015), name


def test_ampere_prior_is_the_median_of_its_runs():
    runs = [r.efficiency for r in run_efficiencies() if r.efficiency_class == "ampere"]
    assert len(runs) == 11
    assert prior_for("ampere").efficiency == pytest.approx(statistics.median(runs))
    assert 0.3 < prior_for("ampere").efficiency < 0.5


def test_fp8_run_is_measured_against_the_16_bit_peak():
    # DeepSeek-V3 (FP8): 6 × 37e9 × 14.8e12 / (2.664e6 h × 3600 × 989.5e12 BF16) = 0.346, beside
    # Llama 3.1 405B's BF16 0.345; against the FP8 peak (1979e12) it would read 0.173.
    deepseek = next(r for r in run_efficiencies() if r.name == "DeepSeek-V3")
    assert deepseek.precision == "fp8"
    assert deepseek.efficiency == pytest.approx(6 * 37e9 * 14.8e12 / (2.664e6 * 3600 * 989.5e12), rel=1e-9)
    assert deepseek.efficiency == pytest.approx(0.346, abs=0.001)
    assert "DeepSeek-V3" in prior_for("hopper").runs


def test_fp8_plan_gets_no_throughput_credit_by_default(cli, scenario_file):
    base = "name: t\nmodel: {params: 37B}\npretraining: {tokens: 1T}\nhardware: {accelerator: h100, precision: %s}\n"
    bf16 = cli("plan", scenario_file(base % "bf16"), "-f", "json").json()["pretraining"]
    fp8 = cli("plan", scenario_file(base % "fp8"), "-f", "json").json()["pretraining"]
    assert fp8["gpu_hours"] == pytest.approx(bf16["gpu_hours"], rel=1e-9)
    assert fp8["mfu"] == pytest.approx(bf16["mfu"] * 989.5 / 1979, rel=1e-9)


def test_every_class_in_the_overlay_has_a_prior():
    classes = {a.efficiency_class for a in accelerators()}
    assert classes <= set(efficiency_priors())
