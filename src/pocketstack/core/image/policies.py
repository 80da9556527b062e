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
]

IMAGE_RULES = [
    *(replace(rule, scope_types=PROJECT_SCOPE) for rule in _PROJECT_RULES),
    Rule("image:schemas:get", "@"),
    Rule("image:info:get", "@"),
]
