"""gradcore: the math behind Gradient Lab. Never imports streamlit or plotly."""
