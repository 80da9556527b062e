"""A server type's shares (users and projects) and tags. Project shares are v2.1's flavor
access rows, so os-flavor-access lists them too."""

from __future__ import annotations

from pydantic import BaseModel, Field
from starlette.responses import Response

from pocketstack.api.common.hal.routes import Route, body, links
from pocketstack.api.common.responses import empty_response, json_response
from pocketstack.api.common.routing import ApiRequest
from pocketstack.api.common.validation import Wire
from pocketstack.api.compute_vnext.handlers.servers import Links
from pocketstack.core.compute.server_types import Allow, ServerTypes
from pocketstack.core.compute.type_shares import PROJECTS, USERS, TypeShares
from pocketstack.store.compute_models import Flavor

P = "os_compute_api:flavors:"
V = "compute_vnext:"
ONE = "/server_types/{type_id}"


def allow(req: ApiRequest, rule: str | None = None) -> Allow:
    """The check the core runs on the type before a change: the route's rule (or ``rule``)
    against the type's owner project (none for an operator's type: admins only)."""

    def check(flavor: Flavor) -> None:
        target = {"project_id": flavor.owner_project_id}
        if rule is None:
            req.enforce(target)
        else:
            req.cloud.policy.enforce(rule, req.ctx, target)

    return check


# -- schemas --------------------------------------------------------------------------------
class SharesUpdate(Wire):
    """Both sets of a type's shares, replaced at once."""

    users: list[str] = Field(default_factory=list, max_length=1000)
    projects: list[str] = Field(default_factory=list, max_length=1000)


class TagsUpdate(Wire):
    """A type's tags, replaced at once."""

    tags: list[str] = Field(max_length=50)


class SharesList(BaseModel):
    """Whom a server type is shared with."""

    users: list[str]
    projects: list[str]
    links: Links = Field(alias="_links")


class TypeTags(BaseModel):
    """A server type's tags."""

    tags: list[str]
    links: Links = Field(alias="_links")


# -- handlers -------------------------------------------------------------------------------
def _shares_body(req: ApiRequest, type_id: str, users: list[str], projects: list[str]) -> Response:
    path = f"/server_types/{type_id}/shares"
    return json_response({"users": users, "projects": projects, "_links": links(req, path, "SharesList")})


def list_shares(req: ApiRequest) -> Response:
    st = ServerTypes(req.cloud.db).get(req.ctx, req.params["type_id"])
    allow(req)(st.flavor)
    return _shares_body(req, st.id, st.users, st.projects)


def replace_shares(req: ApiRequest) -> Response:
    wanted = body(req, SharesUpdate)
    st = TypeShares(req.cloud.db).set_shares(
        req.ctx, req.params["type_id"], wanted.users, wanted.projects, allow(req)
    )
    return _shares_body(req, st.id, st.users, st.projects)


def clear_shares(req: ApiRequest) -> Response:
    TypeShares(req.cloud.db).set_shares(req.ctx, req.params["type_id"], [], [], allow(req))
    return empty_response(204)


def _one_share(kind: str, param: str, add: bool):  # noqa: ANN202 - a handler
    def handler(req: ApiRequest) -> Response:
        shares = TypeShares(req.cloud.db)
        change = shares.share if add else shares.unshare
        change(req.ctx, req.params["type_id"], kind, req.params[param], allow(req))
        return empty_response(204)

    handler.__name__ = f"{'share_with' if add else 'unshare'}_{kind[:-1]}"
    return handler


def _tags_body(req: ApiRequest, type_id: str, tags: list[str]) -> Response:
    return json_response({"tags": tags, "_links": links(req, f"/server_types/{type_id}/tags", "TypeTags")})


def list_tags(req: ApiRequest) -> Response:
    req.enforce({"project_id": req.ctx.project_id})
    st = ServerTypes(req.cloud.db).get(req.ctx, req.params["type_id"])
    return _tags_body(req, st.id, st.tags)


def replace_tags(req: ApiRequest) -> Response:
    wanted = body(req, TagsUpdate)
    tags = TypeShares(req.cloud.db).set_tags(req.ctx, req.params["type_id"], wanted.tags, allow(req))
    return _tags_body(req, req.params["type_id"], tags)


def add_tag(req: ApiRequest) -> Response:
    TypeShares(req.cloud.db).add_tag(req.ctx, req.params["type_id"], req.params["tag"], allow(req))
    return empty_response(204)


def remove_tag(req: ApiRequest) -> Response:
    TypeShares(req.cloud.db).remove_tag(req.ctx, req.params["type_id"], req.params["tag"], allow(req))
    return empty_response(204)


SHARES = f"{ONE}/shares"
USER, PROJECT = f"{SHARES}/users/{{user_id}}", f"{SHARES}/projects/{{project_id}}"
UPDATE_SHARES = V + "server_type_shares:update"
ONE_SHARE_ERRORS = (400, 401, 403, 404, 409)

ROUTES = [
    Route(
        "GET",
        SHARES,
        list_shares,
        V + "server_type_shares:list",
        "server-type-shares",
        "Whom a type is shared with.",
        returns=SharesList,
    ),
    Route(
        "PUT",
        SHARES,
        replace_shares,
        UPDATE_SHARES,
        "server-type-shares",
        "Replace whom a type is shared with.",
        body=SharesUpdate,
        returns=SharesList,
        errors=ONE_SHARE_ERRORS,
    ),
    Route(
        "DELETE", SHARES, clear_shares, UPDATE_SHARES, "server-type-shares", "Share with no one.", status=204
    ),
    Route(
        "PUT",
        USER,
        _one_share(USERS, "user_id", True),
        UPDATE_SHARES,
        "server-type-user-share",
        "Share a type with a user.",
        status=204,
        errors=ONE_SHARE_ERRORS,
    ),
    Route(
        "DELETE",
        USER,
        _one_share(USERS, "user_id", False),
        UPDATE_SHARES,
        "server-type-user-share",
        "Stop sharing a type with a user.",
        status=204,
    ),
    Route(
        "PUT",
        PROJECT,
        _one_share(PROJECTS, "project_id", True),
        UPDATE_SHARES,
        "server-type-project-share",
        "Share a type with a project (v2.1's flavor access).",
        status=204,
        errors=ONE_SHARE_ERRORS,
    ),
    Route(
        "DELETE",
        PROJECT,
        _one_share(PROJECTS, "project_id", False),
        UPDATE_SHARES,
        "server-type-project-share",
        "Stop sharing a type with a project.",
        status=204,
    ),
    Route(
        "GET", f"{ONE}/tags", list_tags, P + "show", "server-type-tags", "A type's tags.", returns=TypeTags
    ),
    Route(
        "PUT",
        f"{ONE}/tags",
        replace_tags,
        V + "server_types:update",
        "server-type-tags",
        "Replace a type's tags.",
        body=TagsUpdate,
        returns=TypeTags,
    ),
    Route(
        "PUT",
        f"{ONE}/tags/{{tag}}",
        add_tag,
        V + "server_types:update",
        "server-type-tag",
        "Tag a type.",
        status=204,
    ),
    Route(
        "DELETE",
        f"{ONE}/tags/{{tag}}",
        remove_tag,
        V + "server_types:update",
        "server-type-tag",
        "Untag a type.",
        status=204,
    ),
]
