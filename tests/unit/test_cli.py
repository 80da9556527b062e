"""``pocketstack up`` with plain options is parsed without typer; anything else goes to typer."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pocketstack.cli import commands
from pocketstack.cli.main import UP_OPTIONS, app, plain_up_options


def test_the_plain_parser_knows_every_option_of_up_with_its_type() -> None:
    declared = {}
    for name, hint in typing.get_type_hints(commands.up, include_extras=True).items():
        if name != "return":
            optional = typing.get_args(hint)[0]  # Annotated[X | None, typer.Option(...)]
            declared[name] = next(t for t in typing.get_args(optional) if t is not type(None))
    assert declared == UP_OPTIONS


@pytest.mark.parametrize(
    ("argv", "options"),
    [
        (["up"], {}),
        (["up", "--port", "80", "--data-dir", "/d"], {"port": 80, "data_dir": Path("/d")}),
        (["up", "--port=80", "--admin-password", ""], {"port": 80, "admin_password": ""}),
        (["up", "--demo-password", "-x", "--workers", "2"], {"demo_password": "-x", "workers": 2}),
        (["up", "--database-url=sqlite:///a=b"], {"database_url": "sqlite:///a=b"}),
    ],
)
def test_plain_options_of_up(argv: list[str], options: dict) -> None:
    assert plain_up_options(argv) == options


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["admin", "rotate-keys"],
        ["up", "--help"],
        ["up", "--port"],
        ["up", "--port", "eighty"],
        ["up", "--data-dir", ""],
        ["up", "--data_dir", "/d"],
        ["up", "--no-such-option", "x"],
        ["up", "extra"],
    ],
)
def test_anything_else_is_left_to_typer(argv: list[str]) -> None:
    assert plain_up_options(argv) is None


def test_typer_still_answers_help_and_bad_options() -> None:
    runner = CliRunner()
    helped = runner.invoke(app, ["up", "--help"])
    assert helped.exit_code == 0 and "--data-dir" in helped.output and "--workers" in helped.output
    assert runner.invoke(app, ["up", "--port", "eighty"]).exit_code == 2


@pytest.mark.parametrize(
    "value",
    ["RegionOne", "-abc", "---x", "yes", "No", "2001-12-14", "0x1F", "1e5", "12:30", "a: b", "é", ":x", "x:"],
)
def test_clouds_yaml_is_what_pyyaml_writes(value: str) -> None:
    import secrets

    import yaml

    from pocketstack.cli.up import _plain_yaml

    for _ in range(200):
        doc = {
            "clouds": {
                "pocketstack": {
                    "auth": {
                        "auth_url": "http://127.0.0.1:8770/identity",
                        "password": secrets.token_urlsafe(18),
                    },
                    "region_name": value,
                    "identity_api_version": 3,
                }
            }
        }
        text = _plain_yaml(doc)
        assert text is None or text == yaml.safe_dump(doc, sort_keys=False)
