"""What the S3 tests share: an EC2 credential for the demo user and an S3 client that signs
with botocore's SigV4 (an independent signer) and sends through the in-process app."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.parse import quote, urlencode

import httpx
import pytest
from botocore.auth import S3SigV4Auth, S3SigV4QueryAuth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials
from starlette.testclient import TestClient

from tests.functional.conftest import auth_headers

BASE = "http://testserver/s3"
NS = "{http://s3.amazonaws.com/doc/2006-03-01/}"
REGION = "RegionOne"


@dataclass
class S3:
    client: TestClient
    access: str
    secret: str
    project_id: str

    def url(self, path: str, query: Mapping[str, str] | str = "") -> str:
        text = query if isinstance(query, str) else urlencode(query, quote_via=quote)
        return BASE + quote(path, safe="/~") + (f"?{text}" if text else "")

    def signed(
        self,
        method: str,
        path: str,
        *,
        query: Mapping[str, str] | str = "",
        body: bytes = b"",
        headers: Mapping[str, str] | None = None,
        secret: str | None = None,
    ) -> AWSRequest:
        request = AWSRequest(method, self.url(path, query), data=body, headers=dict(headers or {}))
        creds = Credentials(self.access, secret or self.secret)
        S3SigV4Auth(creds, "s3", REGION).add_auth(request)
        return request

    def request(self, method: str, path: str, **kwargs: object) -> httpx.Response:
        request = self.signed(method, path, **kwargs)  # type: ignore[arg-type]
        return self.send(request)

    def send(self, request: AWSRequest) -> httpx.Response:
        body = request.body if isinstance(request.body, bytes) else (request.body or b"")
        return self.client.request(request.method, request.url, content=body, headers=dict(request.headers))

    def presign(
        self, method: str, path: str, expires: int = 3600, query: Mapping[str, str] | None = None
    ) -> str:
        request = AWSRequest(method, self.url(path, query or {}))
        S3SigV4QueryAuth(Credentials(self.access, self.secret), "s3", REGION, expires=expires).add_auth(
            request
        )
        return request.url


def xml(resp: httpx.Response) -> ET.Element:
    return ET.fromstring(resp.content)


def texts(element: ET.Element, path: str) -> list[str]:
    return [e.text or "" for e in element.iter(NS + path)]


def error_code(resp: httpx.Response) -> str:
    root = ET.fromstring(resp.content)
    assert root.tag == "Error", resp.text
    return root.findtext("Code") or ""


@pytest.fixture
def s3(client: TestClient, demo_token: str) -> S3:
    token = client.get(
        "/identity/v3/auth/tokens", headers={**auth_headers(demo_token), "X-Subject-Token": demo_token}
    ).json()["token"]
    resp = client.post(
        f"/identity/v3/users/{token['user']['id']}/credentials/OS-EC2",
        json={"tenant_id": token["project"]["id"]},
        headers=auth_headers(demo_token),
    )
    assert resp.status_code == 201, resp.text
    cred = resp.json()["credential"]
    return S3(client, cred["access"], cred["secret"], token["project"]["id"])
