"""`impact serve`: a small read-only web application over the index (Starlette, server-rendered, no JavaScript).

    /                         the sites and their pools
    /investor/0x…             what an investor's money did          /investor/0x….json   its trace (JSON)
    /investor?address=0x…     (the search form) redirects to the above
    /pool/P                   the site's view of a pool             /pool/P.json         its trace (JSON)
    /site/N                   a site: identity, Green List status history, pools
    /claim/K                  an impact claim's certificate: what it financed, the criteria and evidence it rests on

Every response carries a strict Content-Security-Policy (no script at all, the one inline style sheet by its hash)
and headers that keep it out of frames and referrers. Anything unknown is a friendly 404 page; only GET and HEAD
are routed, so there is nothing to write.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import Route

from impact.chain.errors import UserError
from impact.web.pages import NotFound, Reader
from impact.web.render import Links, content_security_policy, contract_names, render

SECURITY_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=()",
}


@dataclass(frozen=True)
class Site:
    reader: Reader
    links: Links

    def html(self, template: str, status: int = 200, **context: Any) -> HTMLResponse:
        return secured(HTMLResponse(render(template, self.links, **context), status_code=status))

    def not_found(self, reason: str) -> HTMLResponse:
        return self.html("not_found.html", 404, reason=reason)


def secured(response: Response) -> Response:
    response.headers["Content-Security-Policy"] = content_security_policy()
    for name, value in SECURITY_HEADERS.items():
        response.headers[name] = value
    response.headers.setdefault("Cache-Control", "no-store")  # every page is as of the latest block
    return response


def _json(doc: dict[str, Any], filename: str) -> Response:
    body = json.dumps(doc, indent=2) + "\n"
    response = Response(body, media_type="application/json")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return secured(response)


def create_app(reader: Reader, explorer: str | None = None) -> Starlette:
    site = Site(reader, Links(live=True, explorer=explorer, names=contract_names(reader.system)))

    def overview(request: Request) -> Response:
        found = reader.overview()
        return site.html("index.html", overview=found, freshness=found.freshness)

    def investor_search(request: Request) -> Response:
        address = request.query_params.get("address", "").strip()
        if not address:
            return site.not_found("Give an investor's address (0x and 40 hex digits).")
        try:
            from impact.chain.accounts import parse_address

            checked = parse_address(address, "investor address")
        except UserError as exc:
            return site.not_found(str(exc))
        return secured(RedirectResponse(f"/investor/{checked}", status_code=303))

    def investor(request: Request) -> Response:
        address: str = request.path_params["address"]
        as_json = address.endswith(".json")
        view = reader.investor(address.removesuffix(".json"))
        if as_json:
            return _json(view.doc, f"impact-trace-investor-{view.subject}.json")
        return site.html("investor.html", view=view, freshness=view.freshness)

    def pool(request: Request) -> Response:
        raw: str = request.path_params["pool"]
        as_json = raw.endswith(".json")
        number = raw.removesuffix(".json")
        if not number.isdigit() or not 0 < int(number) < 2**64:
            return site.not_found(f"'{number}' is not a pool id (a whole number from 1).")
        view = reader.pool(int(number))
        if as_json:
            return _json(view.doc, f"impact-trace-pool-{number}.json")
        return site.html("pool.html", view=view, freshness=view.freshness)

    def claim(request: Request) -> Response:
        number: str = request.path_params["claim"]
        if not number.isdigit() or not 0 < int(number) < 2**64:
            return site.not_found(f"'{number}' is not a claim id (a whole number from 1).")
        view = reader.claim(int(number))
        return site.html("claim.html", view=view, freshness=view.freshness, claims=reader.system.claims.address)

    def site_page(request: Request) -> Response:
        number: str = request.path_params["site"]
        if not number.isdigit() or not 0 < int(number) < 2**64:
            return site.not_found(f"'{number}' is not a site id (a whole number from 1).")
        view = reader.site(int(number))
        return site.html("site.html", site=view, freshness=view.freshness)

    async def not_found(request: Request, exc: Exception) -> Response:
        if isinstance(exc, HTTPException) and exc.status_code == 405:
            response = site.html("not_found.html", 405, reason="This site is read-only: it only answers GET.")
            response.headers["Allow"] = "GET, HEAD"
            return response
        if isinstance(exc, NotFound):
            return site.not_found(str(exc))
        return site.not_found("There is no such page here.")

    async def failed(request: Request, exc: Exception) -> Response:
        # A node or database that fails: one sentence, as the command line would say it, never a traceback.
        message = str(exc) if isinstance(exc, UserError) else f"{type(exc).__name__}: {exc}"
        return site.html("not_found.html", 503, reason=f"The page could not be read: {' '.join(message.split())}")

    routes = [
        Route("/", overview, methods=["GET"]),
        Route("/investor", investor_search, methods=["GET"]),
        Route("/investor/{address}", investor, methods=["GET"]),
        Route("/pool/{pool}", pool, methods=["GET"]),
        Route("/site/{site}", site_page, methods=["GET"]),
        Route("/claim/{claim}", claim, methods=["GET"]),
    ]
    return Starlette(
        routes=routes,
        exception_handlers={404: not_found, 405: not_found, NotFound: not_found, UserError: failed, Exception: failed},
    )
