"""Gradient Lab's entry point: ``streamlit run app.py`` (also on Community Cloud and in Docker).

The app itself is the home page ``home.py`` and the lessons in ``pages/`` (folder routing, see
``ui/shell/lessons.py``). This file only wraps it in an ``st.App`` so that the server process gets a
start-up hook (``ui.shell.server.lifespan``), which no page script can give: a page runs only when a
student opens it, and after a restart a student's open tab may send a click first. Its routes,
matched before Streamlit's own, redirect other names of the lessons (``ui.shell.aliases``) and
serve the lessons' HTML with the server's address in it (``ui.shell.page_html``) and the
chart library the lessons' simple charts are drawn with (``ui.charts.plot``).
"""

import streamlit as st

from ui.charts.plot import routes as chart_routes
from ui.shell.aliases import alias_routes
from ui.shell.page_html import page_routes
from ui.shell.server import lifespan

app = st.App("home.py", lifespan=lifespan, routes=[*chart_routes(), *alias_routes(), *page_routes()])
