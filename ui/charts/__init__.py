"""The chart kit: plain plotly specs, the palette, text alternatives and the bounded figure cache."""
