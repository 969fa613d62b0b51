"""Tables: the bundled datasets and generated data (``generate``), the bounded CSV reader
(``csv_text`` checks every line's cost before ``csv_loader`` hands it to pandas), and one-hot
encoding of text columns (``encoding``).

The names of the round-2 module ``gradcore.data`` stay importable from here.
"""

from gradcore.data.generate import (
    DATA_DIR,
    DATASETS,
    MAX_DEFAULT_FEATURES,
    MAX_FEATURES,
    BundledDataset,
    bundled_datasets,
    load_bundled,
    make_regression_data,
    select_xy,
)

__all__ = ["DATA_DIR", "DATASETS", "MAX_DEFAULT_FEATURES", "MAX_FEATURES", "BundledDataset",
           "bundled_datasets", "load_bundled", "make_regression_data", "select_xy"]
