"""The key that seals secrets: from the environment, or a key file made once with owner-only permissions."""

from __future__ import annotations

import multiprocessing
import os
import stat
from pathlib import Path

import pytest
from cryptography.fernet import Fernet

from pgfactory.errors import SecretError
from pgfactory.secrets import SecretKey, load_secret_key, seal, unseal
from pgfactory.secrets.key import KEY_FILE_NAME, SECRET_KEY_VARIABLE, _create_key_file, key_from_file

DOCUMENT = {"password": {"type": "SecureString", "value": "clear-text-1"}}


@pytest.fixture(autouse=True)
def no_key_in_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(SECRET_KEY_VARIABLE, raising=False)


def test_the_key_file_is_made_on_first_use_for_its_owner_only(tmp_path: Path) -> None:
    key = load_secret_key(tmp_path)

    path = tmp_path / KEY_FILE_NAME
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    Fernet(path.read_bytes().strip())  # a real Fernet key
    assert key.source == str(path)
    assert [entry.name for entry in tmp_path.iterdir()] == [KEY_FILE_NAME]  # no temporary file left behind


def test_the_key_file_is_reused(tmp_path: Path) -> None:
    sealed = seal(DOCUMENT, load_secret_key(tmp_path))
    assert unseal(sealed, load_secret_key(tmp_path)) == DOCUMENT


def test_the_key_file_is_made_owner_only_whatever_the_umask(tmp_path: Path) -> None:
    previous = os.umask(0)
    try:
        load_secret_key(tmp_path)
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / KEY_FILE_NAME).stat().st_mode) == 0o600


@pytest.mark.parametrize("mode", [0o640, 0o604, 0o660])
def test_a_key_file_others_can_read_is_refused(tmp_path: Path, mode: int) -> None:
    load_secret_key(tmp_path)
    path = tmp_path / KEY_FILE_NAME
    path.chmod(mode)
    with pytest.raises(SecretError) as raised:
        load_secret_key(tmp_path)
    assert raised.value.code == "UserErrorSecretKeyFileInsecure"
    assert f"mode {mode:04o}" in raised.value.message and f"chmod 600 {path}" in raised.value.message


def test_the_environment_key_wins_over_the_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    environment_key = Fernet.generate_key().decode()
    monkeypatch.setenv(SECRET_KEY_VARIABLE, environment_key)

    key = load_secret_key(tmp_path)

    assert key.source == "$PGFACTORY_SECRET_KEY"
    assert not (tmp_path / KEY_FILE_NAME).exists()
    assert unseal(seal(DOCUMENT, key), SecretKey(environment_key, source="test")) == DOCUMENT


def test_a_malformed_environment_key_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(SECRET_KEY_VARIABLE, "not-a-fernet-key-but-a-secret")
    with pytest.raises(SecretError) as raised:
        load_secret_key(tmp_path)
    assert raised.value.code == "UserErrorInvalidSecretKey"
    assert "$PGFACTORY_SECRET_KEY is not a Fernet key" in raised.value.message
    assert "not-a-fernet-key-but-a-secret" not in raised.value.message


def test_an_empty_key_file_is_a_clear_error(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    path.touch(mode=0o600)
    with pytest.raises(SecretError, match="is empty"):
        key_from_file(path)


def test_a_key_never_shows_itself() -> None:
    raw = Fernet.generate_key().decode()
    key = SecretKey(raw, source="test")
    assert raw not in repr(key) and raw not in str(key)


def test_a_creator_that_loses_the_race_keeps_the_winner_s_key(tmp_path: Path) -> None:
    path = tmp_path / KEY_FILE_NAME
    _create_key_file(path)
    winner = path.read_bytes()
    _create_key_file(path)  # as a process that found no file a moment ago would
    assert path.read_bytes() == winner
    assert [entry.name for entry in tmp_path.iterdir()] == [KEY_FILE_NAME]


def _load_key_text(folder: str, start: multiprocessing.synchronize.Barrier, results: multiprocessing.Queue[str]) -> None:
    start.wait()
    key = load_secret_key(Path(folder))
    results.put(key.encrypt("probe"))


def test_processes_starting_at_once_end_up_with_one_key(tmp_path: Path) -> None:
    context = multiprocessing.get_context("fork")
    count = 6
    start = context.Barrier(count)
    results: multiprocessing.Queue[str] = context.Queue()
    processes = [context.Process(target=_load_key_text, args=(str(tmp_path), start, results)) for _ in range(count)]
    for process in processes:
        process.start()
    tokens = [results.get(timeout=30) for _ in processes]
    for process in processes:
        process.join(timeout=30)
        assert process.exitcode == 0

    key = key_from_file(tmp_path / KEY_FILE_NAME)
    assert [key.decrypt(token) for token in tokens] == ["probe"] * count  # every process sealed with this key
    assert [entry.name for entry in tmp_path.iterdir()] == [KEY_FILE_NAME]


def test_a_key_file_that_cannot_be_made_is_a_clear_error(tmp_path: Path) -> None:
    folder = tmp_path / "not-a-folder"
    folder.write_text("")
    with pytest.raises(SecretError) as raised:
        key_from_file(folder / KEY_FILE_NAME)
    assert raised.value.code == "UserErrorSecretKeyFileUnavailable"
    assert f"cannot use secret key file {folder / KEY_FILE_NAME}: Not a directory" == raised.value.message
