"""The registry of post-training techniques: every technique module of this package, found when this
module is first imported, in their declared ``order``.

A module of ``scaling_cli.techniques`` (other than ``common`` and this one) is a technique module and
must export ``TECHNIQUE``. Adding a technique is adding its module (and its tests and README row):
nothing here, in ``scenario/post_training.py`` or in ``planner/post_training.py`` changes.
"""

from __future__ import annotations

import importlib
import pkgutil
from collections.abc import Iterable, Mapping
from types import MappingProxyType, ModuleType

import scaling_cli.techniques as package
from scaling_cli.defaults import Default
from scaling_cli.techniques import common
from scaling_cli.techniques.common import Technique

#: The modules of the package that are not techniques.
INFRASTRUCTURE = frozenset({"common", "registry"})


def technique_modules(source: ModuleType) -> list[ModuleType]:
    """Every technique module on ``source.__path__`` (a package), imported by name: discovery, so
    that a new module needs no line anywhere else."""
    names = sorted(info.name for info in pkgutil.iter_modules(source.__path__) if info.name not in INFRASTRUCTURE)
    return [importlib.import_module(f"{source.__name__}.{name}") for name in names]


def build_registry(modules: Iterable[ModuleType]) -> Mapping[str, Technique]:
    """name -> ``Technique`` in ``order``; a module without ``TECHNIQUE``, or two with one name or
    one order, is a programming error raised at import."""
    techniques = []
    for module in modules:
        technique = getattr(module, "TECHNIQUE", None)
        if not isinstance(technique, Technique):
            raise TypeError(f"{module.__name__}: a technique module must export TECHNIQUE = Technique(...)")
        techniques.append(technique)
    for what, key in (("name", lambda t: t.name), ("order", lambda t: t.order)):
        values = [key(t) for t in techniques]
        repeated = sorted({str(v) for v in values if values.count(v) > 1})
        if repeated:
            raise ValueError(f"two techniques share the {what} {', '.join(repeated)}")
    return MappingProxyType({t.name: t for t in sorted(techniques, key=lambda t: t.order)})


def technique_defaults() -> list[Default]:
    """The keyed defaults the technique package declares (module attributes, or values of a dict
    attribute such as RL's samples per prompt), for the table of defaults (``defaults.table``)."""
    found: dict[str, Default] = {}
    for module in (common, *technique_modules(package)):
        for value in vars(module).values():
            for candidate in value.values() if isinstance(value, dict) else (value,):
                if isinstance(candidate, Default) and candidate.key:
                    found.setdefault(candidate.key, candidate)
    return list(found.values())


#: Every technique, by name, in order.
TECHNIQUES: Mapping[str, Technique] = build_registry(technique_modules(package))
#: Their names, in order: what ``technique:`` accepts.
NAMES: tuple[str, ...] = tuple(TECHNIQUES)
