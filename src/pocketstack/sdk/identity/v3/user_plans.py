"""Identity v3 plans for users and groups (and group membership)."""

from __future__ import annotations

from typing import Any

from pocketstack.sdk import ops
from pocketstack.sdk.identity.v3._support import IdentityBasePlans
from pocketstack.sdk.identity.v3.resources import Group, User
from pocketstack.sdk.plan import Call, Listing
from pocketstack.sdk.resource import value_id


class UserPlans(IdentityBasePlans):
    # -- users ---------------------------------------------------------------------------------

    def users(self, /, **query: Any) -> Listing[User]:
        """Every user (filters: ``name``, ``domain_id``, ``enabled`` ...)."""
        return ops.list_resources(self.session, User, **query)

    def get_user(self, user: User | str) -> Call[User]:
        """The user (raises NotFound)."""
        return ops.get_resource(self.session, User, user)

    def find_user(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[User | None]:
        """The user of this id or name (``domain_id=`` narrows names; MultipleMatches)."""
        return ops.find_resource(self.session, User, name_or_id, ignore_missing=ignore_missing, **query)

    def create_user(self, /, **attrs: Any) -> Call[User]:
        """A new user (``name``, ``password``, ``domain_id``, ``default_project_id``, ``email`` ...)."""
        return ops.create_resource(self.session, User, **attrs)

    def update_user(self, user: User | str, /, **attrs: Any) -> Call[User]:
        """Change the user; only the changed fields are sent (the password is create-only)."""
        return ops.update_resource(self.session, User, user, **attrs)

    def delete_user(self, user: User | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the user (NotFound without ``ignore_missing`` when there is none)."""
        return ops.delete_resource(self.session, User, user, ignore_missing=ignore_missing)

    # -- groups --------------------------------------------------------------------------------

    def groups(self, /, **query: Any) -> Listing[Group]:
        """Every group (filters: ``name``, ``domain_id``)."""
        return ops.list_resources(self.session, Group, **query)

    def get_group(self, group: Group | str) -> Call[Group]:
        """The group (raises NotFound)."""
        return ops.get_resource(self.session, Group, group)

    def find_group(self, name_or_id: str, /, ignore_missing: bool = True, **query: Any) -> Call[Group | None]:
        """The group of this id or name."""
        return ops.find_resource(self.session, Group, name_or_id, ignore_missing=ignore_missing, **query)

    def create_group(self, /, **attrs: Any) -> Call[Group]:
        """A new group (``name``, ``domain_id``, ``description``)."""
        return ops.create_resource(self.session, Group, **attrs)

    def update_group(self, group: Group | str, /, **attrs: Any) -> Call[Group]:
        """Change the group; only the changed fields are sent."""
        return ops.update_resource(self.session, Group, group, **attrs)

    def delete_group(self, group: Group | str, ignore_missing: bool = True) -> Call[None]:
        """Delete the group."""
        return ops.delete_resource(self.session, Group, group, ignore_missing=ignore_missing)

    def add_user_to_group(self, user: User | str, group: Group | str) -> Call[None]:
        """Make the user a member of the group."""
        return self._put(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def remove_user_from_group(self, user: User | str, group: Group | str) -> Call[None]:
        """End the user's membership (NotFound when it was not a member)."""
        return self._delete(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def check_user_in_group(self, user: User | str, group: Group | str) -> Call[bool]:
        """Whether the user is a member of the group."""
        return self._check(f"/groups/{value_id(group)}/users/{value_id(user)}")

    def group_users(self, group: Group | str, /, **query: Any) -> Listing[User]:
        """The group's members."""
        return self._list_at(User, f"/groups/{value_id(group)}/users", query)

    def user_groups(self, user: User | str) -> Listing[Group]:
        """The groups the user belongs to."""
        return self._list_at(Group, f"/users/{value_id(user)}/groups")
