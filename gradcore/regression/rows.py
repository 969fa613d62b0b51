"""The settings of a loss or optimizer row: ``HyperParameter``, and checking values against rows.

A loss, an optimizer (and, later, a penalty) is one table row plus numpy functions
(``gradcore.regression.losses.LOSS_TABLE``, ``gradcore.regression.optimizers.OPTIMIZER_TABLE``). Each row lists the
settings it reads as ``HyperParameter``s; ``fit`` takes them by name, the page makes one
control per hyper-parameter of the chosen rows (label, range and default from here, URL key
``url_key``), and ``export_script`` writes their values into the script. Nothing else names a
setting: adding a row with a new hyper-parameter needs no edit anywhere else.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError


@dataclass(frozen=True)
class HyperParameter:
    """One setting of a row: ``name`` is ``fit``'s keyword and the key in the ``settings``
    dict the row's functions get; values in [``low``, ``high``) are allowed (whole numbers
    only if ``integer``). ``label`` and ``help`` are for the page's control.

    ``key`` is the URL key when it is not ``name``: the settings of round 2 keep the short
    keys their links already carry (``mom``, ``batch``, ``bseed``, ``delta``), so every link a
    teacher made still opens the same run. ``step`` is the control's increment."""

    name: str
    label: str
    default: float
    low: float
    high: float
    integer: bool = False
    help: str = ""
    key: str = ""
    step: float | None = None

    @property
    def url_key(self) -> str:
        """The control's URL key (``key`` or else ``name``)."""
        return self.key or self.name

    @property
    def largest(self) -> float:
        """A control's upper end: ``high`` is excluded, so the largest whole number below it,
        or ``high`` less a millionth of the range (0.999999 for [0, 1): readable in a note)."""
        if self.integer:
            return int(math.ceil(self.high)) - 1
        return float(f"{self.high - (self.high - self.low) * 1e-6:.12g}")

    def check(self, value) -> float | int:
        """``value`` as an int (``integer``) or a finite float in [low, high); DataError saying
        what is allowed otherwise."""
        allowed = (f"{self.name} must be a whole number from {self.low:g} to below {self.high:g}"
                   if self.integer else
                   f"{self.name} must be a number from {self.low:g} to below {self.high:g}")
        if isinstance(value, bool):
            raise DataError(f"{allowed}; got {value!r}.")
        if self.integer:
            if not isinstance(value, int | np.integer):
                if not (isinstance(value, float | np.floating) and float(value).is_integer()):
                    raise DataError(f"{allowed}; got {value!r}.")
            number = int(value)
        else:
            try:
                number = float(value)
            except (TypeError, ValueError, OverflowError):
                raise DataError(f"{allowed}; got {value!r}.") from None
            if not math.isfinite(number):
                raise DataError(f"{allowed}; got {value!r}.")
        if not self.low <= number < self.high:
            raise DataError(f"{allowed}; got {value!r}.")
        return number


def declared(rows: Iterable) -> dict[str, HyperParameter]:
    """The hyper-parameters of `rows` by name, in order, each name once (the first row's)."""
    found: dict[str, HyperParameter] = {}
    for row in rows:
        for parameter in row.hyper_parameters:
            found.setdefault(parameter.name, parameter)
    return found


def row_settings(row, given: Mapping) -> dict:
    """{name: value} for every hyper-parameter of `row`: the checked value from `given`, else
    the default."""
    return {p.name: p.check(given[p.name]) if p.name in given else p.default
            for p in row.hyper_parameters}


def check_names(given: Mapping, tables: Iterable[Mapping]) -> None:
    """DataError naming any setting in `given` that no row of `tables` declares."""
    known = set(declared(row for table in tables for row in table.values()))
    unknown = sorted(set(given) - known)
    if unknown:
        raise DataError(f"Unknown setting(s): {', '.join(unknown)}. Settings are: "
                        f"{', '.join(sorted(known))}.")
