"""S3's XML both ways, and its date formats.

A document is written from nested ``(tag, value)`` pairs: a value is text (str, int, bool),
a list of pairs (a child element), or None (left out)."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Iterable
from datetime import UTC, datetime
from email.utils import formatdate, parsedate_to_datetime
from typing import Any
from xml.sax.saxutils import escape

NAMESPACE = "http://s3.amazonaws.com/doc/2006-03-01/"
MAX_XML_BODY = 2 * 1024 * 1024

Fields = Iterable[tuple[str, Any]]


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return escape(str(value))


def _write(out: list[str], fields: Fields) -> None:
    for tag, value in fields:
        if value is None:
            continue
        if isinstance(value, list):
            out.append(f"<{tag}>")
            _write(out, value)
            out.append(f"</{tag}>")
        else:
            out.append(f"<{tag}>{_text(value)}</{tag}>")


def render(root: str, fields: Fields, namespace: bool = True) -> bytes:
    out = ['<?xml version="1.0" encoding="UTF-8"?>\n']
    out.append(f'<{root} xmlns="{NAMESPACE}">' if namespace else f"<{root}>")
    _write(out, fields)
    out.append(f"</{root}>")
    return "".join(out).encode()


def render_text(root: str, text: str) -> bytes:
    """A document that is one element holding text (``<LocationConstraint>``)."""
    return (
        f'<?xml version="1.0" encoding="UTF-8"?>\n<{root} xmlns="{NAMESPACE}">{_text(text)}</{root}>'.encode()
    )


def _local(tag: str) -> str:
    return tag.rpartition("}")[2]


def parse(body: bytes, root: str) -> ET.Element:
    """The document's root element, namespaces stripped from every tag. Raises ValueError when
    it is not well formed or its root is not ``root``."""
    if len(body) > MAX_XML_BODY or b"<!DOCTYPE" in body or b"<!ENTITY" in body:
        raise ValueError("refused document")
    try:
        element = ET.fromstring(body)
    except ET.ParseError as e:
        raise ValueError(str(e)) from None
    for node in element.iter():
        node.tag = _local(node.tag)
    if element.tag != root:
        raise ValueError(f"root is {element.tag}")
    return element


def child_text(element: ET.Element, tag: str) -> str | None:
    found = element.find(tag)
    return None if found is None else (found.text or "")


def iso_date(when: float) -> str:
    """S3's listing format: ``2009-10-12T17:50:30.000Z`` (milliseconds)."""
    stamp = datetime.fromtimestamp(when, UTC)
    return stamp.strftime("%Y-%m-%dT%H:%M:%S.") + f"{stamp.microsecond // 1000:03d}Z"


def http_date(when: float) -> str:
    return formatdate(when, usegmt=True)


def swift_listing_time(text: str) -> float:
    """A Swift listing's ``last_modified`` (``2024-01-02T03:04:05.123456``, UTC) as unix time."""
    stamp = datetime.fromisoformat(text.rstrip("Z"))
    return (stamp if stamp.tzinfo else stamp.replace(tzinfo=UTC)).timestamp()


def parse_http_date(text: str) -> float | None:
    try:
        return parsedate_to_datetime(text).timestamp()
    except (TypeError, ValueError, IndexError):
        return None
