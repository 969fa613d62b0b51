"""Gradient Lab: the frame and the router. No math and no data loading here."""

import streamlit as st

from ui.lessons import HOME, LESSONS

st.set_page_config(page_title="Gradient Lab", page_icon="📉", layout="wide")

PAGES = [
    st.Page(lesson.script, title=lesson.title, url_path=lesson.url_path, icon=lesson.icon,
            default=lesson is HOME)
    for lesson in [HOME, *LESSONS]
]

st.navigation(PAGES).run()
