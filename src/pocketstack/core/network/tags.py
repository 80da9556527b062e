"""Tags of network resources (Neutron's standard-attr-tag), kept in one table for every kind,
and the four tag filters of lists."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import ColumnElement, and_, delete, func, not_, select
from sqlalchemy.orm import Session

from pocketstack.core.errors import NotFound
from pocketstack.core.network.errors import bad_request
from pocketstack.store.network_models import NetworkResourceTag as Tag

MAX_TAGS = 50
MAX_TAG_LENGTH = 255


def check_tag(tag: Any) -> str:
    if not isinstance(tag, str) or not tag or len(tag) > MAX_TAG_LENGTH:
        raise bad_request(f"Invalid tag {tag!r}: a tag is a string of 1 to {MAX_TAG_LENGTH} characters.")
    return tag


def check_tags(tags: Any) -> list[str]:
    """A list of tags, duplicates dropped (order kept); BadRequest past MAX_TAGS."""
    if not isinstance(tags, list):
        raise bad_request("'tags' must be a list of strings.")
    unique = list(dict.fromkeys(check_tag(t) for t in tags))
    if len(unique) > MAX_TAGS:
        raise bad_request(f"A resource may carry at most {MAX_TAGS} tags.")
    return unique


def tags_of(s: Session, ids: Iterable[str]) -> dict[str, list[str]]:
    """Each id's tags, sorted (ids without tags map to [])."""
    wanted = list(ids)
    found: dict[str, list[str]] = {i: [] for i in wanted}
    if wanted:
        stmt = select(Tag.resource_id, Tag.tag).where(Tag.resource_id.in_(wanted)).order_by(Tag.tag)
        for resource_id, tag in s.execute(stmt):
            found[resource_id].append(tag)
    return found


def replace_tags(s: Session, resource_type: str, resource_id: str, tags: Sequence[str]) -> None:
    s.execute(delete(Tag).where(Tag.resource_id == resource_id))
    for tag in tags:
        s.add(Tag(resource_id=resource_id, tag=tag, resource_type=resource_type))
    s.flush()


def tag_new(s: Session, resource_type: str, resource_id: str, tags: Sequence[str]) -> None:
    """Tags of a resource being created (it has none yet)."""
    s.add_all(Tag(resource_id=resource_id, tag=tag, resource_type=resource_type) for tag in tags)


def add_tag(s: Session, resource_type: str, resource_id: str, tag: str) -> bool:
    """Add one tag; False when it was there already."""
    if s.get(Tag, (resource_id, check_tag(tag))) is not None:
        return False
    count = s.scalar(select(func.count()).select_from(Tag).where(Tag.resource_id == resource_id)) or 0
    if count >= MAX_TAGS:
        raise bad_request(f"A resource may carry at most {MAX_TAGS} tags.")
    s.add(Tag(resource_id=resource_id, tag=tag, resource_type=resource_type))
    return True


def remove_tag(s: Session, resource_id: str, tag: str) -> None:
    row = s.get(Tag, (resource_id, tag))
    if row is None:
        raise NotFound(
            "tag",
            tag,
            code="network.tag.not_found",
            message=f"Tag {tag} could not be found for resource {resource_id}.",
        )
    s.delete(row)


def has_tag(s: Session, resource_id: str, tag: str) -> bool:
    return s.get(Tag, (resource_id, tag)) is not None


def forget(s: Session, resource_ids: Iterable[str]) -> None:
    """Drop the tags of deleted resources (the table has no foreign key: it serves every kind)."""
    ids = list(resource_ids)
    if ids:
        s.execute(delete(Tag).where(Tag.resource_id.in_(ids)))


def _having(tag: str) -> Any:
    return select(Tag.resource_id).where(Tag.tag == tag)


def tag_filters(
    id_column: Any,
    all_of: Sequence[str] = (),
    any_of: Sequence[str] = (),
    not_all_of: Sequence[str] = (),
    not_any_of: Sequence[str] = (),
) -> list[ColumnElement[bool]]:
    """``tags`` (every one), ``tags-any``, ``not-tags`` (not every one), ``not-tags-any``."""
    clauses: list[ColumnElement[bool]] = [id_column.in_(_having(t)) for t in all_of]
    if any_of:
        clauses.append(id_column.in_(select(Tag.resource_id).where(Tag.tag.in_(list(any_of)))))
    if not_all_of:
        clauses.append(not_(and_(*(id_column.in_(_having(t)) for t in not_all_of))))
    if not_any_of:
        clauses.append(id_column.not_in(select(Tag.resource_id).where(Tag.tag.in_(list(not_any_of)))))
    return clauses
