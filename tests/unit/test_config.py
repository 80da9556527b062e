"""Settings layers: defaults < TOML file < POCKETSTACK_* environment < options."""

from __future__ import annotations

from pathlib import Path

import pytest

from pocketstack.config import Settings, load_settings


def test_defaults_are_embedded() -> None:
    s = load_settings(env={})
    assert s.host == "127.0.0.1"
    assert s.token_expiration == 3600
    assert s.db_url == f"sqlite:///{s.data_dir / 'pocketstack.db'}"
    assert s.base_url == f"http://127.0.0.1:{s.port}"


def test_layers_override_in_order(tmp_path: Path) -> None:
    toml = tmp_path / "ps.toml"
    toml.write_text('port = 9001\nregion = "FromFile"\ntoken_expiration = 60\n')
    env = {"POCKETSTACK_PORT": "9002", "POCKETSTACK_TOKEN_EXPIRATION": "120"}
    s = load_settings(toml, env=env, port=9003, host=None)
    assert (s.port, s.region, s.token_expiration, s.host) == (9003, "FromFile", 120, "127.0.0.1")


def test_config_file_named_by_environment(tmp_path: Path) -> None:
    toml = tmp_path / "ps.toml"
    toml.write_text(f'data_dir = "{tmp_path / "d"}"\n')
    s = load_settings(env={"POCKETSTACK_CONFIG": str(toml)})
    assert s.data_dir == tmp_path / "d"


def test_unknown_setting_in_file_is_an_error(tmp_path: Path) -> None:
    toml = tmp_path / "ps.toml"
    toml.write_text("colour = 'blue'\n")
    with pytest.raises(ValueError, match="colour"):
        load_settings(toml, env={})


def test_public_url_wins_for_the_catalog() -> None:
    assert Settings(public_url="https://cloud.example/").base_url == "https://cloud.example"
    assert Settings(host="::1", port=5).base_url == "http://[::1]:5"


@pytest.mark.parametrize(
    ("text", "value"), [("false", False), ("0", False), ("Off", False), ("true", True), ("1", True)]
)
def test_a_yes_or_no_setting_from_the_environment_is_read_as_one(text: str, value: bool) -> None:
    settings = load_settings(env={"POCKETSTACK_METRICS_REQUIRE_TOKEN": text})
    assert settings.metrics_require_token is value


def test_a_yes_or_no_setting_refuses_anything_else() -> None:
    with pytest.raises(ValueError, match="metrics_require_token must be true or false"):
        load_settings(env={"POCKETSTACK_METRICS_REQUIRE_TOKEN": "maybe"})
