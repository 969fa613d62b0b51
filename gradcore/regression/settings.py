"""One value that names a ``fit`` run's settings: ``RunSettings`` (hashable, so it keys caches).

Its defaults are ``fit``'s own keyword defaults and the rows' hyper-parameter defaults, read
from ``fit``'s signature and from ``LOSS_TABLE`` / ``OPTIMIZER_TABLE`` when it is made: no
default is written twice. The page builds one from its controls, the race derives its rivals
from it (``with_optimizer``), the cache keys on it, and ``export_script`` and ``fit`` take
``fit_kwargs()``.
"""

from __future__ import annotations

import inspect
from collections.abc import Mapping
from dataclasses import dataclass, field

from gradcore.regression.engine import fit, is_article_run, run_settings
from gradcore.regression.penalties import penalty_settings

FIT_DEFAULTS: dict = {name: parameter.default for name, parameter in
                      inspect.signature(fit).parameters.items()
                      if parameter.kind is inspect.Parameter.KEYWORD_ONLY and name != "stats"}
"""``fit``'s keywords and their defaults (loss, optimizer, learning_rate, steps, w0, b0,
schedule, penalty, alpha, tol, record_rows); the rows' hyper-parameters come on top, by name."""


@dataclass(frozen=True)
class RunSettings:
    """A run's loss, optimizer, step size, steps, start, schedule, ``record_rows``, penalty and
    its weight ``alpha``, and ``hyper``: every hyper-parameter of its loss's, optimizer's and
    penalty's rows as sorted (name, value) pairs, defaults filled in (on construction, which
    checks the values against the rows and drops those of other rows), so two views that run
    the same thing are equal. ``alpha`` is checked (DataError outside [0, 1e12)) and kept as
    given, also with no penalty (which ignores it)."""

    loss: str = FIT_DEFAULTS["loss"]
    optimizer: str = FIT_DEFAULTS["optimizer"]
    learning_rate: float = FIT_DEFAULTS["learning_rate"]
    steps: int = FIT_DEFAULTS["steps"]
    w0: float = FIT_DEFAULTS["w0"]
    b0: float = FIT_DEFAULTS["b0"]
    schedule: str = FIT_DEFAULTS["schedule"]
    record_rows: int | None = FIT_DEFAULTS["record_rows"]
    hyper: tuple[tuple[str, float | int], ...] = field(default=())
    penalty: str = FIT_DEFAULTS["penalty"]
    alpha: float = FIT_DEFAULTS["alpha"]

    def __post_init__(self):
        given = dict(self.hyper)
        _, _, loss_values, method_values = run_settings(self.loss, self.optimizer, given)
        row, alpha, penalty_values = penalty_settings(self.penalty, self.alpha, given)
        object.__setattr__(self, "penalty", row.name)
        object.__setattr__(self, "alpha", alpha)
        object.__setattr__(self, "hyper", tuple(sorted(
            {**loss_values, **method_values, **penalty_values}.items())))

    @classmethod
    def of(cls, given: Mapping | None = None, **common) -> RunSettings:
        """Settings from ``fit``'s keywords in `common` and hyper-parameter values by name in
        `given` (values of rows not chosen are ignored). DataError as ``fit`` raises it."""
        return cls(**common, hyper=tuple((given or {}).items()))

    def with_optimizer(self, optimizer: str, given: Mapping | None = None,
                       record_rows: int | None = None) -> RunSettings:
        """The same run with another optimizer: its hyper-parameters from `given`, else from
        these settings, else its row's defaults."""
        values = {**dict(self.hyper), **(given or {})}
        common = {name: getattr(self, name) for name in self.__dataclass_fields__
                  if name not in ("hyper", "optimizer", "record_rows")}
        return RunSettings.of(values, **common, optimizer=optimizer, record_rows=record_rows)

    def value(self, name: str):
        """The value of hyper-parameter `name` (KeyError if neither row has it)."""
        return dict(self.hyper)[name]

    @property
    def loss_settings(self) -> dict:
        """The loss row's hyper-parameters by name (what ``loss_value`` etc. take)."""
        _, _, loss_values, _ = run_settings(self.loss, self.optimizer, dict(self.hyper))
        return loss_values

    @property
    def loss_key(self) -> tuple[tuple[str, float | int], ...]:
        """``loss_settings`` as sorted (name, value) pairs: hashable, for cache keys."""
        return tuple(sorted(self.loss_settings.items()))

    @property
    def is_article(self) -> bool:
        """The article's set-up: MSE with constant-step gradient descent and no penalty
        (``fit``'s fast path)."""
        return is_article_run(self.loss, self.optimizer, self.schedule, self.penalty)

    def fit_kwargs(self) -> dict:
        """``fit``'s keyword arguments (and ``export_script``'s)."""
        return {"loss": self.loss, "optimizer": self.optimizer,
                "learning_rate": self.learning_rate, "steps": self.steps, "w0": self.w0,
                "b0": self.b0, "schedule": self.schedule, "record_rows": self.record_rows,
                "penalty": self.penalty, "alpha": self.alpha, **dict(self.hyper)}
