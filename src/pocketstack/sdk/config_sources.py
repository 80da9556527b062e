"""Where a cloud's settings are read from: the ``clouds.yaml`` and ``secure.yaml`` search lists,
reading those files (numbers with a fraction kept as written) and merging the secrets in, and
the ``OS_*`` environment variables as one cloud entry."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path
from typing import Any, NamedTuple

import yaml

from pocketstack.sdk.exceptions import ConfigError

_ENV_ALIASES = {
    "OS_TENANT_NAME": "project_name",
    "OS_TENANT_ID": "project_id",
    "OS_ENDPOINT_TYPE": "interface",
    "OS_USER_NAME": "username",
}
"""Old environment variables, used only when the current one is not set."""
_ENV_IGNORED = frozenset({"OS_CLOUD", "OS_CLIENT_CONFIG_FILE", "OS_CLIENT_SECURE_FILE"})


class _Loader(yaml.SafeLoader):
    """YAML that keeps numbers with a fraction as written: ``compute_api_version: 2.90``
    means microversion 2.90, not the float 2.9."""


def _float_as_text(loader: yaml.SafeLoader, node: yaml.Node) -> Any:
    assert isinstance(node, yaml.ScalarNode)
    return loader.construct_scalar(node)


_Loader.add_constructor("tag:yaml.org,2002:float", _float_as_text)


def config_file_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where ``clouds.yaml`` is looked for, in order: ``OS_CLIENT_CONFIG_FILE``, the current
    directory, the user's config directory (``~/.config/openstack``), ``/etc/openstack``."""
    env = os.environ if env is None else env
    return _candidates(env, "clouds.yaml", env.get("OS_CLIENT_CONFIG_FILE"))


def secure_file_candidates(env: Mapping[str, str] | None = None) -> list[Path]:
    """Where ``secure.yaml`` is looked for: ``OS_CLIENT_SECURE_FILE``, then the same places as
    ``clouds.yaml``."""
    env = os.environ if env is None else env
    return _candidates(env, "secure.yaml", env.get("OS_CLIENT_SECURE_FILE"))


def _candidates(env: Mapping[str, str], filename: str, explicit: str | None) -> list[Path]:
    home = Path(env["HOME"]) if env.get("HOME") else Path.home()
    user_dir = Path(env["XDG_CONFIG_HOME"]) if env.get("XDG_CONFIG_HOME") else home / ".config"
    places = [Path.cwd() / filename, user_dir / "openstack" / filename, Path("/etc/openstack") / filename]
    if explicit:
        places.insert(0, Path(explicit).expanduser())
    return places


def _read_yaml(path: Path) -> dict[str, Any]:
    """The ``clouds`` mapping of one file ({} for an empty file); raises ConfigError."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read {path}: {exc.strerror or exc}") from None
    try:
        doc = yaml.load(text, Loader=_Loader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path} is not valid YAML: {exc}") from None
    if doc is None:
        return {}
    if not isinstance(doc, dict):
        raise ConfigError(f"{path} should hold a mapping with a 'clouds' key")
    clouds = doc.get("clouds") or {}
    if not isinstance(clouds, dict) or not all(isinstance(c, dict) for c in clouds.values()):
        raise ConfigError(f"{path}: 'clouds' should map each cloud's name to its settings")
    return {str(name): entry for name, entry in clouds.items()}


class CloudFiles(NamedTuple):
    """What the file search found: the clouds (``secure.yaml`` merged in), the ``clouds.yaml``
    and ``secure.yaml`` read (None when there was none), and the ``clouds.yaml`` places searched."""

    clouds: dict[str, Any]
    found: Path | None
    secure: Path | None
    searched: list[Path]


def read_clouds(
    env: Mapping[str, str], config_files: list[Path] | None, secure_files: list[Path] | None
) -> CloudFiles:
    """The clouds of the first ``clouds.yaml`` that exists (``config_files``, else
    :func:`config_file_candidates`) with the first ``secure.yaml`` that exists merged in
    (``secure_files``, else ``secure.yaml`` beside each given config file, else
    :func:`secure_file_candidates`).

    Raises ConfigError for a file that is unreadable or not a clouds mapping."""
    searched = list(config_files) if config_files is not None else config_file_candidates(env)
    if secure_files is not None:
        secure_searched = list(secure_files)
    elif config_files is not None:
        secure_searched = [p.with_name("secure.yaml") for p in config_files]
    else:
        secure_searched = secure_file_candidates(env)
    found = next((p for p in searched if p.is_file()), None)
    secure = next((p for p in secure_searched if p.is_file()), None)
    clouds = _read_yaml(found) if found is not None else {}
    if secure is not None:
        clouds = _deep_merge(clouds, _read_yaml(secure))
    return CloudFiles(clouds, found, secure, searched)


def _deep_merge(base: Mapping[str, Any], over: Mapping[str, Any]) -> dict[str, Any]:
    out = dict(base)
    for key, value in over.items():
        if isinstance(value, Mapping) and isinstance(out.get(key), Mapping):
            out[key] = _deep_merge(out[key], value)
        else:
            out[key] = value
    return out


def env_entry(env: Mapping[str, str]) -> dict[str, Any]:
    """The cloud entry the ``OS_*`` variables make (``OS_PROJECT_NAME`` gives ``project_name``);
    the old names (``OS_TENANT_NAME``, ...) count only when the current one is not set."""
    entry: dict[str, Any] = {}
    for name, value in env.items():
        if name.startswith("OS_") and name not in _ENV_IGNORED and name not in _ENV_ALIASES and value != "":
            entry[name[3:].lower()] = value
    for name, key in _ENV_ALIASES.items():
        if env.get(name):
            entry.setdefault(key, env[name])
    return entry
