"""Gradient Lab: the frame and the router. No math and no data loading here."""

import streamlit as st

st.set_page_config(page_title="Gradient Lab", page_icon="📉", layout="wide")

PAGES = [
    st.Page("pages/home.py", title="Home", url_path="home", icon="🏠", default=True),
    st.Page("pages/derivatives.py", title="Derivatives", url_path="derivatives", icon="📈"),
    st.Page("pages/gradients.py", title="Gradients", url_path="gradients", icon="🧭"),
    st.Page("pages/subgradients.py", title="Subgradients", url_path="subgradients", icon="📐"),
    st.Page("pages/chain_rule.py", title="Chain rule", url_path="chain-rule", icon="🔗"),
    st.Page(
        "pages/linear_regression.py",
        title="Linear regression",
        url_path="linear-regression",
        icon="🎯",
    ),
]

st.navigation(PAGES).run()
