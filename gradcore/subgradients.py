"""Being written in this session."""
subdifferential = None
