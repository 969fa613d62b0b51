"""Streamlit-side helpers shared by the pages (figures, URL state, data picker)."""
