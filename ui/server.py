"""Process-level set-up of the server: what must hold before any student's request arrives.

After a server restart (a redeploy, a crash, a replica replaced) every open tab reconnects to
a new, empty session. The regression stepper is an ``st.fragment``; a click on its buttons
asks the server to rerun that fragment, which the new session has never run, and Streamlit
1.67 drops such a request with only a log line ("The fragment with id ... does not exist
anymore"): the buttons did nothing until the student reloaded. :func:`rerun_whole_page_for_lost_fragments`
turns such a request into a rerun of the whole page (with the same click), which rebuilds the
fragment. It has to be installed at start-up, before that first click: hence the ``st.App``
lifespan hook in ``app.py``.
"""

from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from streamlit.runtime.app_session import AppSession

_LOGGER = logging.getLogger("gradlab")


def rerun_whole_page_for_lost_fragments() -> None:
    """Make ``AppSession.request_rerun`` rerun the page when the asked-for fragment is gone."""
    original = AppSession.request_rerun
    if getattr(original, "gradlab_patched", False):
        return

    def request_rerun(self, client_state):
        if client_state is not None and client_state.fragment_id \
                and not self.has_fragment(client_state.fragment_id):
            _LOGGER.info("Fragment %s is gone (server restarted?): rerunning the whole page",
                         client_state.fragment_id)
            client_state.fragment_id = ""
        return original(self, client_state)

    request_rerun.gradlab_patched = True
    AppSession.request_rerun = request_rerun


@asynccontextmanager
async def lifespan(app):
    """``st.App`` lifespan: set the process up before the first request, nothing to undo."""
    rerun_whole_page_for_lost_fragments()
    yield None
