"""Being written in this session."""
GradientCheck = gradient_check = numeric_gradient = None
