"""(to be written) Swift's slo layer."""

from __future__ import annotations

from starlette.types import ASGIApp

from pocketstack.cloud import Cloud


def wrap(app: ASGIApp, cloud: Cloud) -> ASGIApp:
    return app
