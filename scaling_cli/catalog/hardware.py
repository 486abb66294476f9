"""The accelerator catalog: dense peaks per precision, memory, bandwidth, power and dated prices.

Data, not code: ``data/hardware.yaml`` (the shared reference catalog, each figure with its source)
plus ``data/hardware_overlay.yaml`` (aliases, efficiency classes), merged by ``catalog/source.py``.
Missing figures stay ``None``; nothing here invents a number.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from scaling_cli.catalog.source import HARDWARE_JSON
from scaling_cli.engine.units import BYTES_PER_GB, BYTES_PER_GIB, FLOP_PER_TFLOP
from scaling_cli.errors import shown

#: Precisions a scenario may name, and the catalog key holding each one's dense peak.
PRECISION_KEYS: dict[str, str] = {
    "fp64": "fp64",
    "fp32": "fp32",
    "tf32": "tf32",
    "bf16": "bf16",
    "fp16": "fp16",
    "fp8": "fp8",
    "fp6": "fp6",
    "fp4": "fp4",
    "int8": "int8_tops",
    "int4": "int4_tops",
}
_NOT_SUPPORTED_NAMES = {"int8_tops": "int8", "int4_tops": "int4"}


class CatalogLookupError(LookupError):
    """An accelerator or precision the catalog cannot supply; the message is meant for users."""


@dataclass(frozen=True)
class Price:
    """Indicative USD per accelerator-hour: a single value or a (low, high) range, with its date."""

    value: float | None
    low: float | None
    high: float | None
    basis: str
    as_of: str
    sources: tuple[str, ...]

    @property
    def central(self) -> float | None:
        """The published value, or the midpoint of the published range."""
        if self.value is not None:
            return self.value
        if self.low is not None and self.high is not None:
            return (self.low + self.high) / 2
        return None


@dataclass(frozen=True)
class Accelerator:
    id: str
    name: str
    vendor: str
    architecture: str
    release_year: int | None
    peak_tflops: dict[str, float | None]
    not_supported: tuple[str, ...]
    sparse_tflops: dict[str, float]
    memory_capacity: float | None
    memory_unit: str
    memory_type: str | None
    bandwidth_tb_s: float | None
    #: scale-up link bandwidth per accelerator, one direction (NVLink 4: 450 GB/s), GB/s
    interconnect_gb_s: float | None
    power_w: float | None
    price: Price | None
    efficiency_class: str
    aliases: tuple[str, ...]
    sources: tuple[str, ...]
    notes: str | None
    #: GPUs sharing one scale-up (NVLink) domain, where the overlay states it (HGX 8, GB200 NVL72 72)
    scale_up_domain: int | None = None
    #: scale-out NIC bandwidth per GPU, one direction, GB/s, where the overlay states it (400 Gb/s = 50)
    scale_out_gb_s: float | None = None
    fabric_source: str | None = None

    @property
    def memory_bytes(self) -> float | None:
        """Memory capacity in true bytes. HBM is built of power-of-two stacks and its vendor label
        counts binary units: an "80 GB" H100 has 5 × 16 GiB and NVML reports 81,559 MiB = 85.5e9 bytes;
        A100 80GB 81,920 MiB = 80 GiB; H200 "141 GB" 143,771 MiB (thundergolfer.com/blog/nvidia-gpu-memory-capacity,
        Modal's table of nvidia-smi figures), so an HBM label is read as GiB. GDDR labels are decimal
        (L40S "48 GB": 46,068 MiB = 48.3e9, same table), as is any label marked GB on other memory.
        """
        if self.memory_capacity is None:
            return None
        binary = self.memory_unit == "GiB" or (self.memory_type or "").upper().startswith("HBM")
        return self.memory_capacity * (BYTES_PER_GIB if binary else BYTES_PER_GB)

    @property
    def precisions(self) -> list[str]:
        """Precisions with a published dense peak."""
        return [p for p, key in PRECISION_KEYS.items() if self.peak_tflops.get(key) is not None]

    def peak_flops(self, precision: str) -> float:
        """Dense peak FLOP/s (or OP/s for int formats) at ``precision``; raises if unavailable."""
        key = PRECISION_KEYS.get(precision)
        if key is None:
            raise CatalogLookupError(f"unknown precision {shown(precision)}; valid: {', '.join(PRECISION_KEYS)}")
        value = self.peak_tflops.get(key)
        if value is None:
            supported = ", ".join(self.precisions) or "none"
            if precision in self.not_supported or key in self.not_supported:
                reason = f"{self.name} does not support {precision}"
            elif self.sparse_only(precision):
                reason = f"{self.name} publishes {precision} only as a with-sparsity figure; the planner needs the dense peak"
            else:
                reason = f"the catalog has no published dense {precision} peak for {self.name}"
            raise CatalogLookupError(f"{reason} (precisions with a dense peak: {supported})")
        return float(value) * FLOP_PER_TFLOP

    @property
    def default_precision(self) -> str:
        """The precision a plan uses when the scenario names none, and the 16-bit format training
        efficiency is calibrated against: BF16, or FP16 where there is no BF16."""
        return "bf16" if "bf16" in self.precisions else "fp16"

    def reference_peak(self) -> float:
        """The 16-bit dense peak that training efficiency is calibrated against (see ``efficiency.yaml``)."""
        return self.peak_flops(self.default_precision)

    def sparse_only(self, precision: str) -> bool:
        """True when the vendor publishes ``precision`` only as a with-sparsity figure."""
        key = PRECISION_KEYS.get(precision, precision)
        return self.peak_tflops.get(key) is None and (precision in self.sparse_tflops or key in self.sparse_tflops)


def _price(entry: dict[str, Any] | None) -> Price | None:
    if not entry:
        return None
    low, high = (entry.get("range") or (None, None))[:2]
    if entry.get("value") is None and low is None:
        return None
    return Price(
        value=entry.get("value"),
        low=low,
        high=high,
        basis=str(entry.get("basis") or ""),
        as_of=str(entry.get("as_of") or ""),
        sources=tuple(entry.get("sources") or ()),
    )


def _accelerator(entry: dict[str, Any]) -> Accelerator:
    memory = entry.get("memory") or {}
    not_supported = tuple(_NOT_SUPPORTED_NAMES.get(p, p) for p in entry.get("not_supported") or ())
    return Accelerator(
        id=entry["id"],
        name=entry["name"],
        vendor=entry["vendor"],
        architecture=entry.get("architecture") or "",
        release_year=entry.get("release_year"),
        peak_tflops=dict(entry.get("peak_tflops_dense") or {}),
        not_supported=not_supported,
        sparse_tflops=dict(entry.get("sparse_published_tflops") or {}),
        memory_capacity=memory.get("capacity"),
        memory_unit=memory.get("capacity_unit") or "GB",
        memory_type=memory.get("type"),
        bandwidth_tb_s=memory.get("bandwidth_tb_s"),
        interconnect_gb_s=(entry.get("interconnect") or {}).get("bandwidth_gb_s_unidirectional"),
        power_w=entry.get("power_w"),
        price=_price(entry.get("price_usd_per_accelerator_hour")),
        efficiency_class=entry["efficiency_class"],
        aliases=tuple(entry.get("aliases") or ()),
        sources=tuple(entry.get("sources") or ()),
        notes=entry.get("compute_notes"),
        scale_up_domain=(entry.get("fabric") or {}).get("scale_up_domain"),
        scale_out_gb_s=(entry.get("fabric") or {}).get("scale_out_gb_s"),
        fabric_source=(entry.get("fabric") or {}).get("source"),
    )


@lru_cache(maxsize=1)
def _raw_catalog() -> dict[str, Any]:
    return HARDWARE_JSON.load()


@lru_cache(maxsize=1)
def accelerators() -> tuple[Accelerator, ...]:
    """Every accelerator in catalog order."""
    return tuple(_accelerator(entry) for entry in _raw_catalog()["accelerators"])


@lru_cache(maxsize=1)
def _index() -> dict[str, Accelerator]:
    index: dict[str, Accelerator] = {}
    for accel in accelerators():
        for name in (accel.id, *accel.aliases):
            index[name.lower()] = accel
    return index


def catalog_info() -> dict[str, Any]:
    """Catalog title, compile date and conventions (for ``hardware list`` and assumptions)."""
    raw = _raw_catalog()
    return {"catalog": raw["catalog"], "compiled": raw["compiled"], "conventions": raw["conventions"]}


def run_hardware() -> dict[str, dict[str, Any]]:
    """Mapping from published-run hardware names to catalog entries (see hardware_overlay.yaml)."""
    return _raw_catalog()["run_hardware"]


def find_accelerator(name: str) -> Accelerator:
    """Look up by catalog id or alias, case-insensitively; a miss suggests the closest names."""
    key = name.strip().lower()
    found = _index().get(key)
    if found is not None:
        return found
    import difflib

    names = sorted(_index())
    close = difflib.get_close_matches(key, names, n=3, cutoff=0.5)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    raise CatalogLookupError(f"unknown accelerator {shown(name)}{hint} (`scaling hardware list` shows all {len(accelerators())})")
