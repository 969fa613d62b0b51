"""Placeholder while this page is being built in this session."""

import streamlit as st

st.title("Under construction")
