"""Being written in this session."""
Expression = parse_expression = None
