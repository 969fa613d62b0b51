"""The calculus lessons' controls (function picker, check panel) and figures (derivative, gradient, curvature)."""
