"""Default image policy, after Glance's: readers read, members of the owning project write,
admins do everything; who may *see* an image is decided by visibility in ``access.py``.
Targets are flat: ``project_id`` is the image's owner, ``member_id`` the member project.

Every rule that Glance enforces is for project-scoped tokens only (all of Glance's defaults
say ``scope_types=['project']``). The schemas and the import-method and store lists are open
to any token, as Glance enforces no rule there.

Glance's rules for reading and downloading an image say "``role:reader`` (resp. ``member``) and
(the owner's project, or an image member, or a public, community or shared image)". The second
half is the visibility check ``access.get_readable`` makes before any rule runs (an image the
caller may not see is a 404), so here the rules keep only the role: a reader may see a private
image of the project, but only a member (or an admin) may download image data.
"""

from __future__ import annotations

from dataclasses import replace

from pocketstack.core.policy import PROJECT_SCOPE, Rule

_ADMIN = "rule:admin_required"
_OWNER_MEMBER = "rule:admin_required or (role:member and project_id:%(target.project_id)s)"

_PROJECT_RULES = [
    Rule("image:images:list", "role:reader"),
    Rule("image:images:get", "role:reader"),
    Rule("image:images:create", "role:member"),
    Rule("image:images:update", _OWNER_MEMBER),
    Rule("image:images:delete", _OWNER_MEMBER),
    Rule("image:images:publicize", _ADMIN, "Make an image public."),
    Rule("image:images:communitize", _OWNER_MEMBER, "Make an image community."),
    Rule("image:images:deactivate", _OWNER_MEMBER),
    Rule("image:images:reactivate", _OWNER_MEMBER),
    Rule("image:images:upload", _OWNER_MEMBER),
    Rule(
        "image:images:download",
        f"{_ADMIN} or role:member",
        "Download the data of an image the caller may see (readers may not).",
    ),
    Rule("image:images:import", _OWNER_MEMBER),
    Rule("image:images:copy", _ADMIN, "Copy image data to another store."),
    Rule("image:tags:update", _OWNER_MEMBER),
    Rule("image:members:list", "role:reader"),
    Rule("image:members:get", "role:reader"),
    Rule("image:members:create", _OWNER_MEMBER),
    Rule("image:members:delete", _OWNER_MEMBER),
    Rule(
        "image:members:update",
        "rule:admin_required or (role:member and project_id:%(target.member_id)s)",
        "Accept or reject an image shared with your project.",
    ),
    Rule("image:info:usage", "role:reader"),
    Rule("image:info:stores_detail", _ADMIN, "See each store's type and where it keeps its data."),
    # Metadata definitions, as Glance's defaults: readers read (a private namespace only in its
    # owner's project: the core answers 404 otherwise), only admins write.
    *(
        Rule(f"image:metadefs:{kind}:{verb}", "role:reader")
        for kind in ("namespaces", "objects", "properties", "tags", "resource_types")
        for verb in ("list", "get")
    ),
    *(
        Rule(f"image:metadefs:{kind}:{verb}", _ADMIN)
        for kind in ("namespaces", "objects", "properties", "tags")
        for verb in ("create", "update", "delete")
    ),
    Rule("image:metadefs:tags:create_many", _ADMIN, "Create tags in bulk (replacing or appending)."),
    Rule("image:metadefs:tags:delete_all", _ADMIN),
    Rule("image:metadefs:resource_types:associate", _ADMIN),
    Rule("image:metadefs:resource_types:dissociate", _ADMIN),
    # Glance's tasks_api_access, delete_image_location, manage_image_cache and the 2.17
    # locations rules (service_api: other services, not users, handle locations).
    Rule("image:tasks:create", _ADMIN, "Start a legacy import task."),
    Rule("image:tasks:list", _ADMIN),
    Rule("image:tasks:get", _ADMIN),
    Rule("image:images:delete_from_store", _ADMIN, "Remove an image's data from one store."),
    Rule("image:cache:list", _ADMIN),
    Rule("image:cache:queue", _ADMIN),
    Rule("image:cache:delete", _ADMIN),
    Rule("image:locations:get", "role:service", "List an image's locations (services only)."),
    Rule("image:locations:add", "role:service", "Add a location to an image (services only)."),
]

IMAGE_RULES = [
    *(replace(rule, scope_types=PROJECT_SCOPE) for rule in _PROJECT_RULES),
    Rule("image:schemas:get", "@"),
    Rule("image:info:get", "@"),
]
