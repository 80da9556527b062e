"""The dashboard's routes: login and logout, the page, and its sections as HTML fragments.

The session is a system-scoped token in an HttpOnly cookie; every POST carries a CSRF value that
must match a second, script-readable cookie (double submit)."""

from __future__ import annotations

import contextlib
import hmac
import secrets
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import HTMLResponse, PlainTextResponse, RedirectResponse, Response
from starlette.routing import Route, Router

from pocketstack.api.dashboard.data import SECTIONS
from pocketstack.cloud import Cloud
from pocketstack.core.errors import PocketstackError
from pocketstack.core.identity.auth import AuthRequest, ScopeRequest, UserRef

SESSION_COOKIE = "pocketstack_dashboard"
CSRF_COOKIE = "pocketstack_dashboard_csrf"
CSRF_FIELD = "csrf_token"
PATH = "/dashboard"
MAX_FORM_BYTES = 16 * 1024
REFRESH_MS = 2000
NOT_ALLOWED = "Not allowed: this needs the admin role on the system."
WRONG_CREDENTIALS = "Wrong user name or password."

_templates = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(default=True, default_for_string=True),
    trim_blocks=True,
    lstrip_blocks=True,
)


def build(cloud: Cloud) -> Router:
    async def login_form(request: Request) -> Response:
        return _login_page(request, "", 200)

    async def login(request: Request) -> Response:
        form = await _form(request)
        if form is None or not _csrf_ok(request, form):
            return _login_page(request, "The form expired: please try again.", 403, fresh_csrf=True)
        name, password = form.get("username", ""), form.get("password", "")
        domain = form.get("domain", "") or "Default"
        token, status = await run_in_threadpool(_system_token, cloud, name, password, domain)
        if token is None:
            message = NOT_ALLOWED if status == 403 else WRONG_CREDENTIALS
            return _login_page(request, message, status, user=name)
        answer = RedirectResponse(PATH, 303)
        answer.set_cookie(SESSION_COOKIE, token, **_cookie_flags(request, http_only=True))
        return answer

    async def logout(request: Request) -> Response:
        form = await _form(request)
        if form is None or not _csrf_ok(request, form):
            return PlainTextResponse("CSRF check failed.", 403)
        token = request.cookies.get(SESSION_COOKIE)
        if token:  # a copied cookie must not outlive the logout; an expired one is gone already
            with contextlib.suppress(PocketstackError):
                await run_in_threadpool(cloud.auth.revoke_token, token)
        answer = RedirectResponse(f"{PATH}/login", 303)
        answer.delete_cookie(SESSION_COOKIE, **_cookie_flags(request, http_only=True))
        return answer

    async def page(request: Request) -> Response:
        if not await _logged_in(cloud, request):
            return RedirectResponse(f"{PATH}/login", 303)
        values: dict[str, Any] = {}
        for read in SECTIONS.values():
            values.update(await run_in_threadpool(read, cloud))
        csrf = _csrf_value(request)
        html = _render(
            "dashboard.html",
            **values,
            sections=list(SECTIONS),
            csrf=csrf,
            field=CSRF_FIELD,
            refresh_ms=REFRESH_MS,
            path=PATH,
        )
        return _with_csrf(request, HTMLResponse(html, headers=_NO_STORE), csrf)

    async def section(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in SECTIONS:
            return PlainTextResponse("No such section.", 404)
        if not await _logged_in(cloud, request):
            return PlainTextResponse("Not logged in.", 401)
        values = await run_in_threadpool(SECTIONS[name], cloud)
        return HTMLResponse(_render(f"sections/{name}.html", **values), headers=_NO_STORE)

    return Router(
        routes=[
            Route("/", page, methods=["GET"]),
            Route("/login", login_form, methods=["GET"]),
            Route("/login", login, methods=["POST"]),
            Route("/logout", logout, methods=["POST"]),
            Route("/sections/{name}", section, methods=["GET"]),
        ],
        redirect_slashes=False,
    )


_NO_STORE = {"Cache-Control": "no-store"}


def _render(template: str, **values: Any) -> str:
    return _templates.get_template(template).render(**values)


def _login_page(
    request: Request, message: str, status: int, user: str = "", fresh_csrf: bool = False
) -> Response:
    csrf = secrets.token_urlsafe(32) if fresh_csrf else _csrf_value(request)
    html = _render("login.html", message=message, user=user, csrf=csrf, field=CSRF_FIELD, path=PATH)
    return _with_csrf(request, HTMLResponse(html, status, headers=_NO_STORE), csrf)


def _cookie_flags(request: Request, http_only: bool) -> dict[str, Any]:
    return {
        "path": PATH,
        "httponly": http_only,
        "samesite": "strict",
        "secure": request.url.scheme == "https",
    }


def _csrf_value(request: Request) -> str:
    """The browser's CSRF value when it has a sane one, else a new one."""
    have = request.cookies.get(CSRF_COOKIE, "")
    return have if 20 <= len(have) <= 100 and have.isascii() else secrets.token_urlsafe(32)


def _with_csrf(request: Request, response: Response, csrf: str) -> Response:
    if request.cookies.get(CSRF_COOKIE) != csrf:
        response.set_cookie(CSRF_COOKIE, csrf, **_cookie_flags(request, http_only=False))
    return response


def _csrf_ok(request: Request, form: dict[str, str]) -> bool:
    cookie, field = request.cookies.get(CSRF_COOKIE, ""), form.get(CSRF_FIELD, "")
    if not cookie or not field:
        return False
    return hmac.compare_digest(cookie.encode(), field.encode())


async def _form(request: Request) -> dict[str, str] | None:
    """The urlencoded form posted, or None when it is not one or is too big."""
    if request.headers.get("content-type", "").split(";")[0].strip() != "application/x-www-form-urlencoded":
        return None
    raw = b""
    async for chunk in request.stream():
        raw += chunk
        if len(raw) > MAX_FORM_BYTES:
            return None
    try:
        parsed = parse_qs(raw.decode(), keep_blank_values=True, max_num_fields=20)
    except (UnicodeDecodeError, ValueError):
        return None
    return {key: values[0] for key, values in parsed.items()}


def _system_token(cloud: Cloud, name: str, password: str, domain: str) -> tuple[str | None, int]:
    """A system-scoped token of an admin, or None and 401 (bad credentials) or 403 (not an admin
    of the system). The password is checked once, unscoped, then that token is rescoped."""
    try:
        user = UserRef(name=name, domain_name=domain)
        first = cloud.auth.authenticate(
            AuthRequest(methods=("password",), user=user, password=password, unscoped=True)
        )
    except PocketstackError:
        return None, 401
    try:
        info = cloud.auth.authenticate(
            AuthRequest(methods=("token",), token=first.token, scope=ScopeRequest(kind="system"))
        )
    except PocketstackError:
        return None, 403
    if "admin" not in {r.name for r in info.roles}:
        return None, 403
    return info.token, 200


async def _logged_in(cloud: Cloud, request: Request) -> bool:
    token = request.cookies.get(SESSION_COOKIE)
    if not token or len(token) > 4096:
        return False
    return await run_in_threadpool(_admin_token, cloud, token)


def _admin_token(cloud: Cloud, token: str) -> bool:
    try:
        info = cloud.auth.validate(token)
    except Exception:  # any token that does not validate is no session, never a 500
        return False
    return info.payload.scope == "system" and "admin" in {r.name for r in info.roles}
