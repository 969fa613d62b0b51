"""Being written in this session."""
load_csv = make_regression_data = None
