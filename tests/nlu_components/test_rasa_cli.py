"""Rasa's command line of the project: the API token comes from the environment, never from the command line."""

from __future__ import annotations

from nlu_components.rasa_cli import with_auth_token


def test_run_gets_the_token_from_the_environment() -> None:
    assert with_auth_token(["run", "--enable-api"], {"RASA_AUTH_TOKEN": "t0k"}) == [
        "run", "--enable-api", "--auth-token=t0k"]


def test_a_token_that_begins_with_a_dash_stays_the_options_value() -> None:
    import argparse

    from rasa.cli.arguments.run import add_server_arguments

    parser = argparse.ArgumentParser()
    add_server_arguments(parser)
    argv = with_auth_token(["run", "--enable-api"], {"RASA_AUTH_TOKEN": "-Xy_z"})
    assert parser.parse_args(argv[1:]).auth_token == "-Xy_z"


def test_other_commands_and_a_token_given_by_hand_are_left_alone() -> None:
    assert with_auth_token(["train", "nlu"], {"RASA_AUTH_TOKEN": "t0k"}) == ["train", "nlu"]
    assert with_auth_token(["run", "--auth-token", "mine"], {"RASA_AUTH_TOKEN": "t0k"}) == [
        "run", "--auth-token", "mine"]
    assert with_auth_token(["run", "--auth-token=mine"], {"RASA_AUTH_TOKEN": "t0k"}) == ["run", "--auth-token=mine"]
    assert with_auth_token(["run"], {}) == ["run"]
