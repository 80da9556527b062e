"""Default image policy, after Glance's: readers read, members of the owning project write,
admins do everything; who may *see* an image is decided by visibility in ``access.py``.
Targets are flat: ``project_id`` is the image's owner, ``member_id`` the member project."""

from __future__ import annotations

from pocketstack.core.policy import Rule

_OWNER_MEMBER = "rule:admin_required or (role:member and project_id:%(target.project_id)s)"

IMAGE_RULES = [
    Rule("image:images:list", "role:reader"),
    Rule("image:images:get", "role:reader"),
    Rule("image:images:create", "role:member"),
    Rule("image:images:update", _OWNER_MEMBER),
    Rule("image:images:delete", _OWNER_MEMBER),
    Rule("image:images:publicize", "rule:admin_required", "Make an image public."),
    Rule("image:images:communitize", _OWNER_MEMBER, "Make an image community."),
    Rule("image:images:deactivate", _OWNER_MEMBER),
    Rule("image:images:reactivate", _OWNER_MEMBER),
    Rule("image:images:upload", _OWNER_MEMBER),
    Rule("image:images:download", "role:reader"),
    Rule("image:images:import", _OWNER_MEMBER),
    Rule("image:images:copy", "rule:admin_required", "Copy image data to another store."),
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
    Rule("image:schemas:get", "@"),
    Rule("image:info:get", "@"),
    Rule("image:info:usage", "role:reader"),
]
