"""Configuration from the environment."""

from __future__ import annotations

import pytest

from ticketing import create_app
from ticketing.config import env_bool, finalize


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_gets_a_random_key_per_run():
    first, second = {"ENV_NAME": "development"}, {"ENV_NAME": "development"}
    finalize(first)
    finalize(second)
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] != second["SECRET_KEY"]


@pytest.mark.parametrize("raw,expected", [("true", True), ("1", True), ("false", False),
                                          ("0", False), ("", True), (None, True)])
def test_booleans(monkeypatch, raw, expected):
    if raw is None:
        monkeypatch.delenv("X_FLAG", raising=False)
    else:
        monkeypatch.setenv("X_FLAG", raw)
    assert env_bool("X_FLAG", True) is expected


def test_environment_reaches_the_app(monkeypatch, tmp_path):
    import importlib

    import ticketing.config

    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path}/env.sqlite3")
    monkeypatch.setenv("IMAP_SSL", "0")
    monkeypatch.setenv("TIMEZONE", "Asia/Makassar")
    monkeypatch.setenv("UPLOAD_DIR", str(tmp_path / "up"))
    importlib.reload(ticketing.config)
    try:
        app = create_app(ticketing.config.Config)
        assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("env.sqlite3")
        assert app.config["IMAP_SSL"] is False
        assert app.config["TIMEZONE"] == "Asia/Makassar"
        assert app.config["UPLOAD_DIR"] == str(tmp_path / "up")
        assert app.config["MAIL_DEFAULT_SENDER"].endswith("<diskopukm2020@gmail.com>")
    finally:
        monkeypatch.undo()
        importlib.reload(ticketing.config)
