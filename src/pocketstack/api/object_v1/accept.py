"""Content negotiation as Swift's swob does it, for listings and bulk reports alike: the Accept
header's media ranges ordered by quality, exact types before globs, then as written; the first
range that takes one of the offers picks it (offers in their order of preference)."""

from __future__ import annotations

from collections.abc import Sequence

# COMPAT: what Swift answers listings and bulk reports in, in its order of preference.
OFFERED = ("text/plain", "application/json", "application/xml", "text/xml")


def _ranges(accept: str) -> list[str]:
    """The media ranges a client accepts (quality above 0), most preferred first."""
    ranked = []
    for position, item in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in item.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if media and quality > 0:
            ranked.append((-quality, "*" in media, position, media.lower()))
    return [media for *_, media in sorted(ranked)]


def best_match(accept: str | None, offers: Sequence[str] = OFFERED) -> str | None:
    """The offer the client likes best; the first offer without an Accept header; None when
    it accepts none of them."""
    if not accept or not accept.strip():
        return offers[0]
    for media in _ranges(accept):
        kind, _, sub = media.partition("/")
        for offer in offers:
            if media in ("*/*", offer) or (sub == "*" and offer.startswith(kind + "/")):
                return offer
    return None
