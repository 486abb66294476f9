"""The catalog's sources are the YAML files in ``scaling_cli/data``; this module compiles them.

Parsing the YAML costs ~12 ms at start-up where the compiled JSON loads in under 1 ms, so the first
run writes the compiled JSON to the user's cache directory (``$SCALING_CACHE_DIR``, else
``$XDG_CACHE_HOME/scaling-cli``, else ``~/.cache/scaling-cli``), in a file named by the sha256 of the
sources' bytes, this module's bytes and the package version: an edited source or a new release gets
a new file. Any failure to read or write the cache (read-only or full disk, a corrupt file) falls
back to compiling in memory; a hit and a miss give the same text.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from scaling_cli import __version__

DATA_DIR = Path(__file__).resolve().parent.parent / "data"
CACHE_DIR_ENV = "SCALING_CACHE_DIR"

Documents = Mapping[str, Any]


class CatalogSourceError(ValueError):
    """The bundled YAML files contradict each other (a packaging bug, not a user error)."""


def compile_hardware(docs: Documents) -> dict[str, Any]:
    """The accelerator catalog with scaling-cli's aliases and efficiency classes merged in."""
    catalog, overlay = docs["hardware.yaml"], docs["hardware_overlay.yaml"]
    extras = overlay["accelerators"]
    missing = [entry["id"] for entry in catalog["accelerators"] if entry["id"] not in extras]
    if missing:
        raise CatalogSourceError(f"hardware_overlay.yaml has no entry for {', '.join(missing)}")
    unknown = set(extras) - {entry["id"] for entry in catalog["accelerators"]}
    if unknown:
        raise CatalogSourceError(f"hardware_overlay.yaml names accelerators not in the catalog: {sorted(unknown)}")
    accelerators = [{**entry, **_overlay_fields(extras[entry["id"]])} for entry in catalog["accelerators"]]
    return {
        "catalog": catalog["catalog"],
        "compiled": catalog["compiled"],
        "conventions": catalog["conventions"],
        "sources": catalog["sources"],
        "accelerators": accelerators,
        "run_hardware": overlay["run_hardware"],
    }


def _overlay_fields(extra: dict[str, Any]) -> dict[str, Any]:
    """What the overlay adds to one accelerator: aliases, efficiency class, and the serving fabric
    (GPUs per scale-up domain, scale-out NIC bandwidth per GPU) where the overlay states it."""
    fields = {"aliases": [str(a) for a in extra["aliases"]], "efficiency_class": extra["efficiency_class"]}
    fabric = extra.get("fabric")
    if fabric is not None:
        fields["fabric"] = {"scale_up_domain": int(fabric["scale_up_domain"]), "scale_out_gb_s": float(fabric["scale_out_gb_s"]), "source": str(fabric["source"])}
    return fields


def compile_reference(docs: Documents) -> dict[str, Any]:
    """Published training runs (shared list, then the supplement, each tagged with its file), the
    efficiency-calibration settings fitted to them, and the scaling-law fits."""
    return {"runs": merged_runs(docs["published_runs.yaml"]["runs"], docs["published_runs_supplement.yaml"]["runs"]), "efficiency": docs["efficiency.yaml"], "fits": docs["fits.yaml"]}


def merged_runs(shared: list[dict[str, Any]], supplement: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The shared list, then the supplement's new runs. A supplement entry named like a shared run
    completes it (its fields win, ``extra`` merged) instead of counting the run twice, so the copied
    list stays verbatim while the project adds, say, GPU-hours its source did not carry."""
    by_name = {run["name"]: {**run, "listed_in": "published_runs.yaml"} for run in shared}
    added = []
    for run in supplement:
        base = by_name.get(run["name"])
        if base is None:
            added.append({**run, "listed_in": "published_runs_supplement.yaml"})
        else:
            extra = {**(base.get("extra") or {}), **(run.get("extra") or {})}
            by_name[run["name"]] = {**base, **run, "extra": extra, "listed_in": "published_runs.yaml + supplement"}
    return [*by_name.values(), *added]


def render(data: dict[str, Any]) -> str:
    """The compiled text: sorted keys, so every reader sees the same key order."""
    return json.dumps(data, indent=1, sort_keys=True, ensure_ascii=False, allow_nan=False) + "\n"


def cache_dir() -> Path | None:
    """Where compiled catalogs are cached, or None when no directory can be named."""
    override = os.environ.get(CACHE_DIR_ENV)
    if override:
        return Path(override)
    xdg = os.environ.get("XDG_CACHE_HOME")
    if xdg and os.path.isabs(xdg):  # the XDG spec says to ignore a relative path
        return Path(xdg) / "scaling-cli"
    try:
        return Path.home() / ".cache" / "scaling-cli"
    except RuntimeError:  # no HOME and no password entry
        return None


def _parse_yaml(raw: bytes) -> Any:
    import yaml  # deferred for start-up speed: a cache hit never needs the YAML parser

    return yaml.load(raw, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader))


def _read_cache(path: Path, encoding: str) -> tuple[str, dict[str, Any]] | None:
    """The cached text and its parse if the file is readable, well-formed JSON; None otherwise."""
    try:
        text = path.read_text(encoding=encoding)
        data = json.loads(text)
    except (OSError, ValueError, RecursionError):  # missing, unreadable, undecodable or corrupt: compile instead
        return None
    return (text, data) if isinstance(data, dict) else None


def _write_cache(path: Path, text: str, encoding: str) -> None:
    """Write ``text`` to ``path`` atomically; any failure leaves no file and raises nothing."""
    temp = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding=encoding, dir=path.parent, prefix=f".{path.name}.", delete=False) as handle:
            temp = handle.name
            handle.write(text)
        os.replace(temp, path)
    except (OSError, ValueError):  # read-only, full disk, not a directory: the compiled text still serves
        if temp is not None:
            try:
                os.unlink(temp)
            except OSError:
                pass


@dataclass(frozen=True)
class CompiledJson:
    """One compiled document (what ``data/<name>.json`` used to be), read like that file was."""

    name: str
    sources: tuple[str, ...]
    compile: Callable[[Documents], dict[str, Any]]
    data_dir: Path = DATA_DIR

    def key(self, raw: Mapping[str, bytes]) -> str:
        """sha256 of the package version, this module and every source file's name and bytes."""
        digest = hashlib.sha256(f"scaling-cli {__version__}\n".encode())
        digest.update(Path(__file__).read_bytes())
        for name in self.sources:
            digest.update(f"\n{name} {len(raw[name])}\n".encode())
            digest.update(raw[name])
        return digest.hexdigest()

    def cache_path(self, raw: Mapping[str, bytes]) -> Path | None:
        """The cache file for these source bytes, or None when caching is impossible."""
        directory = cache_dir()
        try:
            return None if directory is None else directory / f"{self.name}-{self.key(raw)}.json"
        except OSError:  # this module's own file unreadable: no key, so no cache
            return None

    def compiled(self, encoding: str = "utf-8") -> tuple[str, dict[str, Any]]:
        """The compiled JSON text and its parse: from the cache when it holds this key, else
        compiled now (and parsed back from the text, so a hit and a miss give the same objects)."""
        raw = {name: (self.data_dir / name).read_bytes() for name in self.sources}
        path = self.cache_path(raw)
        cached = None if path is None else _read_cache(path, encoding)
        if cached is not None:
            return cached
        text = render(self.compile({name: _parse_yaml(data) for name, data in raw.items()}))
        if path is not None:
            _write_cache(path, text, encoding)
        return text, json.loads(text)

    def read_text(self, encoding: str = "utf-8") -> str:
        """The compiled JSON text (the drop-in for the file's ``Path.read_text``)."""
        return self.compiled(encoding)[0]

    def load(self) -> dict[str, Any]:
        """The compiled document as Python objects."""
        return self.compiled()[1]


HARDWARE_JSON = CompiledJson("hardware", ("hardware.yaml", "hardware_overlay.yaml"), compile_hardware)
REFERENCE_JSON = CompiledJson("reference", ("published_runs.yaml", "published_runs_supplement.yaml", "efficiency.yaml", "fits.yaml"), compile_reference)
