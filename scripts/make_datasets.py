"""Write the bundled CSV files in data/ (run once by a maintainer; the app never downloads).

    python -m scripts.make_datasets     (from the repository root)

tips.csv comes from plotly's package data, diabetes.csv from scikit-learn's package data
(both read from the installed packages, no network), synthetic.csv from make_regression_data.
"""

from pathlib import Path

import plotly.data
from sklearn.datasets import load_diabetes

from gradcore.data.generate import DATA_DIR, make_regression_data


def main(out: Path = DATA_DIR) -> None:
    """Write tips.csv, diabetes.csv and synthetic.csv into ``out``."""
    out.mkdir(exist_ok=True)
    plotly.data.tips().to_csv(out / "tips.csv", index=False)
    load_diabetes(as_frame=True).frame.to_csv(out / "diabetes.csv", index=False)
    synthetic = make_regression_data(200, 1, noise=1.0, seed=7, true_w=[2.5], true_b=-1.0)
    synthetic.to_csv(out / "synthetic.csv", index=False)


if __name__ == "__main__":
    main()
