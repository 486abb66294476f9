"""Compile the YAML catalogs in ``scaling_cli/data`` into the JSON the CLI reads at run time.

The YAML files are the sources of truth (human-edited, every figure with its citation); JSON loads in
a fraction of a millisecond where YAML takes ~11 ms, which matters for start-up. A test fails when
the committed JSON differs from a fresh build. Run ``python -m scaling_cli.catalog.build`` after
editing a YAML file.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
HARDWARE_JSON = DATA_DIR / "hardware.json"
REFERENCE_JSON = DATA_DIR / "reference.json"


def _load_yaml(name: str) -> Any:
    import yaml

    with open(DATA_DIR / name, encoding="utf-8") as handle:
        return yaml.load(handle, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def build_hardware() -> dict[str, Any]:
    """The accelerator catalog with scaling-cli's aliases and efficiency classes merged in."""
    catalog = _load_yaml("hardware.yaml")
    overlay = _load_yaml("hardware_overlay.yaml")
    extras = overlay["accelerators"]
    accelerators = []
    for entry in catalog["accelerators"]:
        extra = extras.get(entry["id"])
        if extra is None:
            raise SystemExit(f"hardware_overlay.yaml has no entry for {entry['id']}")
        accelerators.append({**entry, "aliases": [str(a) for a in extra["aliases"]], "efficiency_class": extra["efficiency_class"]})
    unknown = set(extras) - {a["id"] for a in accelerators}
    if unknown:
        raise SystemExit(f"hardware_overlay.yaml names accelerators not in the catalog: {sorted(unknown)}")
    return {
        "catalog": catalog["catalog"],
        "compiled": catalog["compiled"],
        "conventions": catalog["conventions"],
        "sources": catalog["sources"],
        "accelerators": accelerators,
        "run_hardware": overlay["run_hardware"],
    }


def build_reference() -> dict[str, Any]:
    """Published training runs (shared list + supplement, each tagged with its file), the
    efficiency-calibration settings fitted to them, and the scaling-law fits."""
    runs = []
    for name in ("published_runs.yaml", "published_runs_supplement.yaml"):
        runs.extend({**run, "listed_in": name} for run in _load_yaml(name)["runs"])
    return {"runs": runs, "efficiency": _load_yaml("efficiency.yaml"), "fits": _load_yaml("fits.yaml")}


#: Every compiled file and the function that builds it.
OUTPUTS = {HARDWARE_JSON: build_hardware, REFERENCE_JSON: build_reference}


def render(data: dict[str, Any]) -> str:
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def main() -> None:
    for path, builder in OUTPUTS.items():
        path.write_text(render(builder()), encoding="utf-8")
        print(f"wrote {path}")


if __name__ == "__main__":
    main()
