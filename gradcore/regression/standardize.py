"""Feature standardisation that can be undone, so GD results are reported in original units.

z_j = (x_j - mean_j) / scale_j with scale_j the standard deviation (1 for a constant column,
which then becomes all zeros instead of a division by zero). A linear model fitted on z,
y_hat = w_z . z + b_z, is the same model as y_hat = w . x + b with

    w_j = w_z_j / scale_j,   b = b_z - sum_j w_j mean_j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from gradcore.errors import DataError

# Standardizer.fit reads a column's range (is it constant?) only where std <= this * |mean|.
RANGE_CHECK_RTOL = 1e-9
# Rows per block of Standardizer.fit's second pass (a 640 KB buffer at 10 columns).
_BLOCK_ROWS = 8192
_NEEDS_FINITE = "Standardisation needs a non-empty table of finite numbers."


def _squared_deviations(X: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """sum_i (x_ij - mean_j)^2 per column j, a block of rows at a time."""
    n, d = X.shape
    total = np.zeros(d)
    buffer = np.empty((min(_BLOCK_ROWS, n), d))
    for start in range(0, n, _BLOCK_ROWS):
        block = np.subtract(X[start : start + _BLOCK_ROWS], mean, out=buffer[: min(_BLOCK_ROWS, n - start)])
        np.square(block, out=block)
        total += block.sum(axis=0)
    return total


@dataclass(frozen=True)
class Standardizer:
    """Per-column ``mean`` (d,) and ``scale`` (d,); ``constant`` (d,) marks columns with scale 1."""

    mean: np.ndarray
    scale: np.ndarray
    constant: np.ndarray

    @classmethod
    def fit(cls, X) -> Standardizer:
        """Means and standard deviations (population, ddof=0) of the columns of X (N, d).

        Two passes over the rows (the means, then the squared deviations from them, a block
        of ``_BLOCK_ROWS`` rows at a time), so no (N, d) temporary is made: np.std would make
        one (80 MB for a 1,000,000 x 10 table), at the moment a page builds its problem.
        """
        X = np.asarray(X, dtype=float)
        if X.ndim == 1:
            X = X.reshape(-1, 1)
        if X.ndim != 2 or X.shape[0] == 0:
            raise DataError(_NEEDS_FINITE)
        with np.errstate(over="ignore", invalid="ignore"):
            mean = X.mean(axis=0)
            # NaN or inf anywhere reaches its column's mean; an infinite mean of finite values
            # (a sum that overflows) is told apart by the full check, made only then.
            if not np.isfinite(mean).all() and not np.isfinite(X).all():
                raise DataError(_NEEDS_FINITE)
            std = np.sqrt(_squared_deviations(X, mean) / X.shape[0])
        constant = std <= 64 * np.finfo(float).eps * np.abs(mean)
        # A column of equal values has std <= log2(N) eps |mean| (the rounding of its mean), or
        # an infinite std where its squares overflow, so only such a column can have a range
        # of 0: the range (two more passes over the rows) is read for those only (none, in
        # most tables).
        maybe = ~constant & ((std <= RANGE_CHECK_RTOL * np.abs(mean)) | ~np.isfinite(std))
        if maybe.any():
            constant[maybe] = np.ptp(X[:, maybe], axis=0) == 0
        scale = np.where(constant, 1.0, std)
        return cls(mean=mean, scale=scale, constant=constant)

    def transform(self, X) -> np.ndarray:
        """(X - mean) / scale, shape (N, d)."""
        X = np.asarray(X, dtype=float)
        # Rows in C order whatever X's layout (a generated table's X is a column-major view):
        # the statistics and the descent read Z a block of rows at a time.
        Z = np.subtract(X.reshape(len(X), -1), self.mean, order="C")
        Z /= self.scale  # in place: one (N, d) array, not two
        return Z

    def inverse_transform(self, Z) -> np.ndarray:
        """Z * scale + mean: back to the original columns."""
        return np.asarray(Z, dtype=float) * self.scale + self.mean

    def to_original(self, w, b):
        """Coefficients on standardised features -> (w, b) in original units.

        w is (d,) or a trajectory (k, d); b is a scalar or (k,). Returns arrays of the same shapes.
        """
        w = np.asarray(w, dtype=float) / self.scale
        return w, np.asarray(b, dtype=float) - w @ self.mean

    def from_original(self, w, b):
        """(w, b) in original units -> coefficients on standardised features (inverse of above)."""
        w = np.asarray(w, dtype=float)
        return w * self.scale, np.asarray(b, dtype=float) + w @ self.mean
