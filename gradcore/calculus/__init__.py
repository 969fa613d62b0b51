"""The calculus lessons' math on parsed formulas: finite-difference checks (``numeric``), the
chain rule (``chain``), subdifferentials and the subgradient method (``subgradients``), and the
catalogue of functions the pages offer (``functions``)."""
