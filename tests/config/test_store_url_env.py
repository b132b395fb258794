"""``[store] url_env``: the store URL, password included, from the environment (a Secret)."""

from __future__ import annotations

import logging
from pathlib import Path

import pytest

from config.loader import load_config, parse_config, resolve_store_url
from core.errors import ConfigError
from core.redaction import redact

CONFIG = '[site]\nowner = "Dana"\n\n[store]\nurl_env = "EVIDENCE_STORE_URL"\n'
URL = "postgresql+psycopg://evidence:s3cret-Pa55word@db.internal:5432/evidence"


def test_the_url_comes_from_the_variable_and_its_password_is_redacted() -> None:
    config = resolve_store_url(
        parse_config(CONFIG), source="evidence.toml", environ={"EVIDENCE_STORE_URL": URL}
    )
    assert config.store.url == URL
    assert redact(f"could not connect to {URL}") == (
        "could not connect to postgresql+psycopg://evidence:***@db.internal:5432/evidence"
    )


def test_load_config_resolves_it(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "evidence.toml"
    path.write_text(CONFIG, encoding="utf-8")
    monkeypatch.setenv("EVIDENCE_STORE_URL", f"sqlite:///{tmp_path / 'ledger.db'}")
    assert load_config(path).config.store.url == f"sqlite:///{tmp_path / 'ledger.db'}"


def test_without_url_env_the_file_decides() -> None:
    config = parse_config('[site]\nowner = "Dana"\n')
    assert resolve_store_url(config, source="x", environ={"EVIDENCE_STORE_URL": URL}) is config


def test_a_missing_variable_is_one_line_naming_it() -> None:
    with pytest.raises(ConfigError) as raised:
        resolve_store_url(parse_config(CONFIG), source="evidence.toml", environ={})
    assert raised.value.lines() == [
        "evidence.toml: store.url_env: environment variable EVIDENCE_STORE_URL is not set; "
        "export the store URL there, e.g. "
        "postgresql+psycopg://evidence:PASSWORD@db.example.com/evidence"
    ]


def test_a_value_that_is_no_store_url_is_refused_without_echoing_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    pasted = "mysql://root:hunter2-hunter2@db/evidence"
    caplog.set_level(logging.DEBUG)
    with pytest.raises(ConfigError) as raised:
        resolve_store_url(
            parse_config(CONFIG), source="evidence.toml", environ={"EVIDENCE_STORE_URL": pasted}
        )
    (line,) = raised.value.lines()
    assert "EVIDENCE_STORE_URL does not hold a store URL" in line
    assert "hunter2" not in line and "mysql" not in line
    assert "hunter2" not in caplog.text


def test_url_env_must_name_a_variable() -> None:
    with pytest.raises(ConfigError) as raised:
        parse_config('[site]\nowner = "Dana"\n\n[store]\nurl_env = "postgresql://x"\n')
    assert "store.url_env" in raised.value.lines()[0]
