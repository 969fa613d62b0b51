"""What every lesson page shares: frame, URL state, teacher links, class mode, exercises, style, server."""
