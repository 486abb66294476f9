"""``scaling hardware list`` and ``scaling hardware show``: the accelerator catalog."""

from __future__ import annotations

from scaling_cli.catalog.hardware import CatalogLookupError, accelerators, catalog_info, find_accelerator
from scaling_cli.errors import ScalingError
from scaling_cli.result import HardwareDetail, HardwareList


def hardware_list() -> HardwareList:
    return HardwareList(list(accelerators()), catalog_info())


def hardware_show(name: str) -> HardwareDetail:
    """One accelerator by id or alias; an unknown name is an error with the nearest ids."""
    try:
        return HardwareDetail(find_accelerator(name))
    except CatalogLookupError as exc:
        raise ScalingError(str(exc)) from None
