"""Other names for the lesson pages: ``/subgradients`` (the page's title), ``/gradient``,
``/derivative``, ``/chainrule``, ``/regression``, ... answer with a redirect (HTTP 307, the
query string kept) to the page's own address, instead of Streamlit's "Page not found".

Starlette routes for ``st.App(..., routes=alias_routes())`` in app.py: they are matched before
Streamlit's own (which has no route per page: its single-page app reads the path in the
browser), and only these exact paths, with or without a trailing slash, are taken.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import RedirectResponse
from starlette.routing import Route

ALIASES = {
    "subgradients": "subgradient",
    "gradient": "gradients",
    "derivative": "derivatives",
    "chainrule": "chain-rule",
    "chain_rule": "chain-rule",
    "chain": "chain-rule",
    "regression": "linear-regression",
    "linear_regression": "linear-regression",
    "linearregression": "linear-regression",
}
"""Another name -> the page's url path (``ui.shell.lessons.LESSONS``)."""


def _redirect(target: str):
    async def redirect(request: Request) -> RedirectResponse:
        query = request.url.query
        return RedirectResponse(target + (f"?{query}" if query else ""), status_code=307)
    return redirect


def alias_routes(base_url: str | None = None) -> list[Route]:
    """One GET/HEAD route per alias (and its form with a trailing slash) under `base_url`
    (default: the server's ``server.baseUrlPath``), redirecting to the page it names."""
    from ui.shell.page_html import route_prefix  # page_html reads the lessons; aliases need not

    prefix = route_prefix(base_url)
    return [Route(f"{prefix}/{alias}{slash}", _redirect(f"{prefix}/{page}"),
                  methods=["GET", "HEAD"])
            for alias, page in ALIASES.items() for slash in ("", "/")]
