"""Image v2 bodies."""

from __future__ import annotations

from typing import Annotated, Any, ClassVar

from pydantic import Field

from pocketstack.sdk.resource import CREATE_ONLY, READ_ONLY, Paging, Resource


class Image(Resource):
    service_type: ClassVar[str] = "image"
    base_path: ClassVar[str] = "/images"
    resources_key: ClassVar[str | None] = "images"
    commit_method: ClassVar[str] = "PATCH"
    commit_jsonpatch: ClassVar[bool] = True

    id: Annotated[str | None, CREATE_ONLY] = None
    name: str | None = None
    status: Annotated[str | None, READ_ONLY] = None
    visibility: str | None = None
    protected: bool | None = None
    disk_format: str | None = None
    container_format: str | None = None
    min_disk: int | None = None
    min_ram: int | None = None
    tags: list[str] | None = None
    owner: Annotated[str | None, READ_ONLY] = None
    size: Annotated[int | None, READ_ONLY] = None
    virtual_size: Annotated[int | None, READ_ONLY] = None
    checksum: Annotated[str | None, READ_ONLY] = None
    hash_algo: Annotated[str | None, READ_ONLY] = Field(None, alias="os_hash_algo")
    hash_value: Annotated[str | None, READ_ONLY] = Field(None, alias="os_hash_value")
    is_hidden: bool | None = Field(None, alias="os_hidden")
    stores: Annotated[str | None, READ_ONLY] = None
    file: Annotated[str | None, READ_ONLY] = None
    schema_: Annotated[str | None, READ_ONLY] = Field(None, alias="schema")
    self_link: Annotated[str | None, READ_ONLY] = Field(None, alias="self")
    created_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None

    @property
    def properties(self) -> dict[str, Any]:
        """The image's additional (free-form) properties."""
        return dict(self.model_extra or {})


class Member(Resource):
    service_type: ClassVar[str] = "image"
    base_path: ClassVar[str] = "/images/{image_id}/members"
    resources_key: ClassVar[str | None] = "members"
    id_attr: ClassVar[str] = "member_id"
    paging: ClassVar[Paging] = "none"

    member_id: Annotated[str | None, CREATE_ONLY] = Field(None, alias="member")
    image_id: Annotated[str | None, READ_ONLY] = None
    status: str | None = None
    created_at: Annotated[str | None, READ_ONLY] = None
    updated_at: Annotated[str | None, READ_ONLY] = None
