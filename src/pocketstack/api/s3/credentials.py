"""Who an S3 access key is: its Keystone EC2 credential, and the RequestContext S3 requests
signed with it act as (the credential's user, or a trust's trustee, on the credential's
project, with roles expanded as for the token ``/v3/ec2tokens`` would issue)."""

from __future__ import annotations

import json
import threading
from collections import OrderedDict
from dataclasses import dataclass, replace

from pocketstack.api.s3.errors import S3Error
from pocketstack.cloud import Cloud
from pocketstack.core.context import RequestContext
from pocketstack.core.errors import NotFound, Unauthorized


@dataclass(frozen=True)
class AccessKey:
    access: str
    secret: str
    user_id: str
    project_id: str
    trust_id: str | None
    app_cred_id: str | None


def lookup(cloud: Cloud, access: str) -> AccessKey:
    """InvalidAccessKeyId for a key no EC2 credential (with a project) has."""
    cred = cloud.delegation.ec2.find(access) if access else None
    if cred is None or not cred.project_id:
        raise S3Error("InvalidAccessKeyId", AWSAccessKeyId=access)
    blob = json.loads(cred.blob)
    return AccessKey(
        access,
        str(blob.get("secret") or ""),
        cred.user_id,
        cred.project_id,
        blob.get("trust_id"),
        blob.get("app_cred_id"),
    )


class Contexts:
    """The RequestContext of each access key's principal, kept while identity stands still
    (its revision counter, as token validations are kept): building one issues a token."""

    MAX_ENTRIES = 1000

    def __init__(self, cloud: Cloud) -> None:
        self.cloud = cloud
        self._kept: OrderedDict[tuple[str, str, str | None, str | None], tuple[int, RequestContext]] = (
            OrderedDict()
        )
        self._lock = threading.Lock()

    def context_of(self, key: AccessKey, request_id: str) -> RequestContext:
        """AccessDenied when the user, project, trust or roles no longer allow it."""
        revision = self.cloud.auth.revision.value
        ident = (key.user_id, key.project_id, key.trust_id, key.app_cred_id)
        hit = self._kept.get(ident)
        if hit is not None and hit[0] == revision:
            return replace(hit[1], request_id=request_id)
        ctx = _issue(self.cloud, key, request_id)
        with self._lock:
            self._kept[ident] = (revision, ctx)
            if len(self._kept) > self.MAX_ENTRIES:
                self._kept.popitem(last=False)
        return ctx


def _issue(cloud: Cloud, key: AccessKey, request_id: str) -> RequestContext:
    user_id = key.user_id
    try:
        if key.trust_id:
            user_id = cloud.delegation.trusts.get(key.trust_id).trust.trustee_user_id
        info = cloud.auth.issue(
            user_id, "ec2credential", key.project_id, app_cred_id=key.app_cred_id, trust_id=key.trust_id
        )
    except (Unauthorized, NotFound):
        raise S3Error("AccessDenied") from None
    return info.context(request_id)
