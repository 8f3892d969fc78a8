"""Configuration from the environment."""

from __future__ import annotations

import pytest

from ticketing import create_app
from ticketing.config import env_bool, finalize


def test_production_refuses_to_start_without_secret_key():
    with pytest.raises(RuntimeError, match="SECRET_KEY"):
        create_app({"ENV_NAME": "production", "SECRET_KEY": None,
                    "SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_development_key_is_made_once_in_the_instance_folder_and_reused(tmp_path):
    """The web app, the scheduler and `flask seed` are separate processes started at different
    times: they must sign with the same key, or mailed links break on every restart."""
    first, second = {"ENV_NAME": "development"}, {"ENV_NAME": "development"}
    finalize(first, str(tmp_path / "instance"))
    finalize(second, str(tmp_path / "instance"))
    assert len(first["SECRET_KEY"]) == 64 and first["SECRET_KEY"] == second["SECRET_KEY"]
    key_file = tmp_path / "instance" / "secret_key"
    assert key_file.read_text().strip() == first["SECRET_KEY"]
    assert key_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    other = {"ENV_NAME": "development"}
    finalize(other, str(tmp_path / "elsewhere"))
    assert other["SECRET_KEY"] != first["SECRET_KEY"]  # generated, not a constant


def test_a_key_from_the_environment_wins(tmp_path):
    config = {"ENV_NAME": "development", "SECRET_KEY": "from-env"}
    finalize(config, str(tmp_path))
    assert config["SECRET_KEY"] == "from-env" and not (tmp_path / "secret_key").exists()


@pytest.mark.parametrize("port,expected", [(None, "http://127.0.0.1:5000"),
                                           ("5101", "http://127.0.0.1:5101")])
def test_public_base_url_follows_port(monkeypatch, tmp_path, port, expected):
    if port is None:
        monkeypatch.delenv("PORT", raising=False)
    else:
        monkeypatch.setenv("PORT", port)
    config = {"ENV_NAME": "development", "PUBLIC_BASE_URL": None}
    finalize(config, str(tmp_path))
    assert config["PUBLIC_BASE_URL"] == expected
    given = {"ENV_NAME": "development", "PUBLIC_BASE_URL": "https://layanan.example.go.id"}
    finalize(given, str(tmp_path))
    assert given["PUBLIC_BASE_URL"] == "https://layanan.example.go.id"


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
