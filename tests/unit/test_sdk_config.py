"""Finding a cloud's configuration: clouds.yaml, secure.yaml, OS_* variables and arguments.

Every test passes its own environment and files; the real ones are never read."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from pocketstack.sdk.auth import Authenticator
from pocketstack.sdk.config import CloudConfig, config_file_candidates, load, secure_file_candidates
from pocketstack.sdk.exceptions import ConfigError

CLOUDS = """
clouds:
  pocket:
    auth:
      auth_url: https://pocket.example/identity
      username: alice
      project_name: demo
    region_name: RegionOne
    interface: internal
    compute_api_version: 2.90
    object-store_endpoint_override: https://swift.example/v1/AUTH_x
    block_storage_endpoint_override: https://cinder.example/v3
    api_timeout: 30
    cacert: /etc/ssl/pocket.pem
  other:
    auth:
      auth_url: https://other.example:5000/v3
      user_id: u-1
      password: other-secret
      project_id: p-1
    regions:
      - name: East
      - name: West
    verify: false
"""

SECURE = """
clouds:
  pocket:
    auth:
      password: alice-secret
"""

OS_ENV = {
    "OS_AUTH_URL": "https://env.example/identity/v3",
    "OS_USERNAME": "bob",
    "OS_PASSWORD": "bob-secret",
    "OS_TENANT_NAME": "legacy",
    "OS_USER_DOMAIN_NAME": "Users",
    "OS_PROJECT_DOMAIN_ID": "pd",
    "OS_REGION_NAME": "RegionTwo",
    "OS_ENDPOINT_TYPE": "publicURL",
    "OS_INSECURE": "true",
    "OS_CERT": "/c.pem",
    "OS_KEY": "/k.pem",
    "OS_COMPUTE_API_VERSION": "2.79",
    "OS_IMAGE_API_VERSION": "2",
}


@pytest.fixture
def files(tmp_path: Path) -> list[Path]:
    (tmp_path / "clouds.yaml").write_text(CLOUDS)
    (tmp_path / "secure.yaml").write_text(SECURE)
    return [tmp_path / "clouds.yaml"]


def test_named_cloud_with_secure_yaml_merged(files: list[Path]) -> None:
    config = load("pocket", config_files=files, env={})
    assert config.name == "pocket"
    assert config.auth_type == "password"
    assert config.auth == {
        "auth_url": "https://pocket.example/identity",
        "username": "alice",
        "password": "alice-secret",
        "project_name": "demo",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    assert config.region_name == "RegionOne"
    assert config.interface == "internal"
    assert config.verify == "/etc/ssl/pocket.pem"
    assert config.api_versions == {"compute": "2.90"}  # not the float 2.9
    assert config.endpoint_overrides == {
        "object-store": "https://swift.example/v1/AUTH_x",
        "block-storage": "https://cinder.example/v3",
    }
    assert config.endpoint_override("object_store") == "https://swift.example/v1/AUTH_x"
    assert config.api_version("compute") == "2.90"
    assert config.timeout == 30.0
    assert "alice-secret" not in repr(config)
    auth = config.authenticator()
    assert isinstance(auth, Authenticator)
    assert auth.auth_url == "https://pocket.example/identity/v3"


def test_regions_list_ids_and_verify_false(files: list[Path]) -> None:
    config = load("other", config_files=files, env={})
    assert config.region_name == "East"
    assert config.verify is False
    assert config.auth["user_id"] == "u-1" and config.auth["project_id"] == "p-1"
    assert "user_domain_name" not in config.auth and "project_domain_name" not in config.auth


def test_os_cloud_picks_the_cloud_and_other_os_vars_do_not_override(files: list[Path]) -> None:
    config = load(config_files=files, env={**OS_ENV, "OS_CLOUD": "other"})
    assert config.name == "other"
    assert config.auth["auth_url"] == "https://other.example:5000/v3"
    assert config.region_name == "East"


def test_missing_named_cloud_lists_the_clouds(files: list[Path]) -> None:
    with pytest.raises(ConfigError, match=r"'nope' is not in .*clouds.yaml.*other, pocket"):
        load("nope", config_files=files, env={})


def test_several_clouds_and_no_name_is_an_error(files: list[Path]) -> None:
    with pytest.raises(ConfigError, match="several clouds"):
        load(config_files=files, env={})


def test_a_single_cloud_is_used_without_a_name(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(
        "clouds:\n  only:\n    auth:\n      auth_url: http://x/identity\n"
        "      token: abc\n      project_id: p\n"
    )
    config = load(config_files=[path], env={})
    assert config.name == "only"
    assert config.auth_type == "token"


def test_nothing_configured_names_the_files_searched(tmp_path: Path) -> None:
    missing = tmp_path / "absent" / "clouds.yaml"
    with pytest.raises(ConfigError, match=r"no cloud configured.*absent/clouds.yaml"):
        load(config_files=[missing], env={})
    with pytest.raises(ConfigError, match=r"'pocket' asked for, but no clouds.yaml.*absent"):
        load("pocket", config_files=[missing], env={})


def test_environment_alone_makes_the_envvars_cloud(tmp_path: Path) -> None:
    config = load(config_files=[tmp_path / "none.yaml"], env=OS_ENV)
    assert config.name == "envvars"
    assert config.auth == {
        "auth_url": "https://env.example/identity/v3",
        "username": "bob",
        "password": "bob-secret",
        "project_name": "legacy",
        "user_domain_name": "Users",
        "project_domain_id": "pd",
    }
    assert config.region_name == "RegionTwo"
    assert config.interface == "public"
    assert config.verify is False
    assert config.cert == ("/c.pem", "/k.pem")
    assert config.api_versions == {"compute": "2.79", "image": "2"}
    # the environment beats a clouds.yaml when no cloud is named
    (tmp_path / "clouds.yaml").write_text(CLOUDS)
    assert load(config_files=[tmp_path / "clouds.yaml"], env=OS_ENV).name == "envvars"


def test_environment_details() -> None:
    env = {
        "OS_AUTH_URL": "https://env.example/identity",
        "OS_USERNAME": "bob",
        "OS_PASSWORD": "pw",
        "OS_PROJECT_NAME": "new",
        "OS_TENANT_NAME": "old",
        "OS_INTERFACE": "internal",
        "OS_ENDPOINT_TYPE": "adminURL",
        "OS_CACERT": "/ca.pem",
        "OS_CERT": "/both.pem",
        "OS_SYSTEM_SCOPE": "",
    }
    config = load(config_files=[], env=env)
    assert config.auth["project_name"] == "new"
    assert config.interface == "internal"
    assert config.verify == "/ca.pem"
    assert config.cert == "/both.pem"
    assert "system_scope" not in config.auth


def test_application_credential_and_token_from_the_environment() -> None:
    env = {
        "OS_AUTH_URL": "https://env.example/identity",
        "OS_APPLICATION_CREDENTIAL_ID": "c1",
        "OS_APPLICATION_CREDENTIAL_SECRET": "s",
    }
    assert load(config_files=[], env=env).auth_type == "v3applicationcredential"
    env = {"OS_AUTH_URL": "https://env.example/identity", "OS_TOKEN": "t", "OS_PROJECT_ID": "p"}
    assert load(config_files=[], env=env).auth_type == "token"
    env = {**env, "OS_AUTH_TYPE": "v3token", "OS_SYSTEM_SCOPE": "all"}
    with pytest.raises(ConfigError, match="more than one scope"):
        load(config_files=[], env=env)
    del env["OS_PROJECT_ID"]
    assert load(config_files=[], env=env).auth["system_scope"] == "all"


def test_arguments_win_over_everything(files: list[Path]) -> None:
    config = load(
        "pocket",
        config_files=files,
        env={},
        user_name="carol",
        password="carol-secret",
        region_name="RegionNine",
        interface="publicURL",
        verify=True,
        timeout=5,
        compute_api_version="2.1",
        project_domain_name=None,  # None means "not given"
    )
    assert config.auth["username"] == "carol"
    assert config.auth["password"] == "carol-secret"
    assert config.auth["project_name"] == "demo"
    assert config.region_name == "RegionNine"
    assert config.interface == "public"
    assert config.verify == "/etc/ssl/pocket.pem"  # verify=True keeps the configured CA
    assert config.timeout == 5.0
    assert config.api_versions == {"compute": "2.1"}
    other = load("other", config_files=files, env={}, verify="/ca.pem", region_name="West", cert=("/c", "/k"))
    assert other.verify == "/ca.pem"
    assert other.region_name == "West"
    assert other.cert == ("/c", "/k")


def test_arguments_alone(tmp_path: Path) -> None:
    config = load(
        config_files=[tmp_path / "none.yaml"],
        env={},
        auth_url="http://127.0.0.1:5000/identity",
        user_name="admin",
        password="pw",
        project_name="admin",
        domain_name="Default",
    )
    assert config.name is None
    assert config.auth == {
        "auth_url": "http://127.0.0.1:5000/identity",
        "username": "admin",
        "password": "pw",
        "project_name": "admin",
        "user_domain_name": "Default",
        "project_domain_name": "Default",
    }
    assert config.auth_type == "password"
    assert config.interface == "public" and config.verify is True and config.region_name is None
    assert isinstance(config, CloudConfig)


def test_domain_scope_keeps_domain_and_defaults_user_domain() -> None:
    config = load(config_files=[], env={}, auth_url="http://x", username="a", password="p", domain_name="Ops")
    assert config.auth["domain_name"] == "Ops"
    assert config.auth["user_domain_name"] == "Default"
    assert "project_domain_name" not in config.auth


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        ({"username": "a", "password": "p"}, "no cloud configured"),
        ({"auth_url": "http://x", "username": "a"}, "needs a password"),
        ({"auth_url": "http://x", "password": "hunter2-secret"}, "username or a user_id"),
        ({"auth_url": "http://x", "token": "t", "auth_type": "oidc"}, "unsupported auth_type"),
        ({"auth_url": "http://x", "username": "a", "password": "p", "interface": "sideways"}, "interface"),
        (
            {"auth_url": "http://x", "username": "a", "password": "p", "colour": "blue"},
            "unknown cloud setting",
        ),
        ({"auth_url": "http://x", "username": "a", "password": "p", "timeout": "soon"}, "timeout"),
    ],
)
def test_bad_configurations(arguments: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError, match=message) as info:
        load(config_files=[], env={}, **arguments)
    assert "hunter2" not in str(info.value)


def test_missing_auth_url_and_password_name_the_cloud(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text(
        "clouds:\n  a:\n    auth:\n      username: x\n  b:\n    auth:\n      auth_url: http://x\n"
    )
    with pytest.raises(ConfigError, match=r"cloud 'a' .*no auth_url"):
        load("a", config_files=[path], env={})
    with pytest.raises(ConfigError, match=r"cloud 'b' .*needs a password"):
        load("b", config_files=[path], env={})


def test_bad_yaml_is_a_config_error(tmp_path: Path) -> None:
    path = tmp_path / "clouds.yaml"
    path.write_text("clouds: [unclosed")
    with pytest.raises(ConfigError, match="not valid YAML"):
        load(config_files=[path], env={})
    path.write_text("- a list\n")
    with pytest.raises(ConfigError, match="mapping"):
        load(config_files=[path], env={})


def test_search_order(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    home = tmp_path / "home"
    work = tmp_path / "work"
    explicit = tmp_path / "explicit.yaml"
    work.mkdir()
    monkeypatch.chdir(work)
    env = {"HOME": str(home)}
    assert config_file_candidates(env) == [
        work / "clouds.yaml",
        home / ".config/openstack/clouds.yaml",
        Path("/etc/openstack/clouds.yaml"),
    ]
    env_x = {**env, "OS_CLIENT_CONFIG_FILE": str(explicit), "XDG_CONFIG_HOME": str(tmp_path / "xdg")}
    assert config_file_candidates(env_x)[:2] == [explicit, work / "clouds.yaml"]
    assert config_file_candidates(env_x)[2] == tmp_path / "xdg/openstack/clouds.yaml"
    assert secure_file_candidates({**env, "OS_CLIENT_SECURE_FILE": "/s.yaml"})[0] == Path("/s.yaml")

    def cloud_file(path: Path, url: str) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(f"clouds:\n  c:\n    auth:\n      auth_url: {url}\n      token: t\n")

    cloud_file(home / ".config/openstack/clouds.yaml", "http://home")
    (home / ".config/openstack/secure.yaml").write_text("clouds:\n  c:\n    region_name: Secure\n")
    config = load("c", env=env)
    assert config.auth["auth_url"] == "http://home"
    assert config.region_name == "Secure"
    cloud_file(work / "clouds.yaml", "http://cwd")
    assert load("c", env=env).auth["auth_url"] == "http://cwd"  # the first that exists wins
    cloud_file(explicit, "http://explicit")
    assert (
        load("c", env={**env, "OS_CLIENT_CONFIG_FILE": str(explicit)}).auth["auth_url"] == "http://explicit"
    )
    assert load(env={**env, "OS_CLOUD": "c"}).auth["auth_url"] == "http://cwd"
