"""The key that seals secrets at rest: ``$PGFACTORY_SECRET_KEY``, else a key file in the state folder.

The key is a Fernet key (AES-128-CBC with HMAC-SHA256, from ``cryptography``). The key file is
made on first use, readable by its owner only, and a key file that group or others could read
is refused rather than used. Two processes that start at once end up with the same key: each
writes its candidate to a private temporary file and publishes it with ``link``, which, like
``O_EXCL``, fails when the name exists; the loser reads the winner's key.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet, InvalidToken

from pgfactory.errors import SecretError
from pgfactory.models.secrets import MASK
from pgfactory.store.state import state_dir

SECRET_KEY_VARIABLE = "PGFACTORY_SECRET_KEY"
KEY_FILE_NAME = "secret.key"
_MAKE_KEY = "python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())'"


class SecretKey:
    """A Fernet key and where it came from; shows as the mask."""

    __slots__ = ("_fernet", "source")

    def __init__(self, key: bytes | str, *, source: str) -> None:
        self.source = source
        try:
            self._fernet = Fernet(key)
        except (ValueError, TypeError):
            raise SecretError(
                f"the secret key from {source} is not a Fernet key (32 url-safe base64-encoded bytes); "
                f"make one with: {_MAKE_KEY}",
                code="UserErrorInvalidSecretKey",
            ) from None

    @classmethod
    def generate(cls, *, source: str = "a new key") -> SecretKey:
        return cls(Fernet.generate_key(), source=source)

    def encrypt(self, text: str) -> str:
        return self._fernet.encrypt(text.encode()).decode()

    def decrypt(self, token: str) -> str:
        """The text sealed in ``token``; :class:`SecretError` when this key did not seal it."""
        try:
            return self._fernet.decrypt(token.encode()).decode()
        except (InvalidToken, UnicodeError):
            raise SecretError(
                f"a sealed secret cannot be opened with the key from {self.source}", code="UserErrorSecretKeyMismatch",
            ) from None

    def __repr__(self) -> str:
        return f"SecretKey(source={self.source!r}, key={MASK!r})"

    def __reduce__(self) -> tuple[Any, ...]:
        raise TypeError("a SecretKey is not pickled; load it again where it is used")


def load_secret_key(state_folder: Path | None = None) -> SecretKey:
    """``$PGFACTORY_SECRET_KEY`` when set, else the key file in the state folder (made on first use)."""
    configured = os.environ.get(SECRET_KEY_VARIABLE, "").strip()
    if configured:
        return SecretKey(configured, source=f"${SECRET_KEY_VARIABLE}")
    return key_from_file(state_dir(state_folder) / KEY_FILE_NAME)


def key_from_file(path: Path) -> SecretKey:
    """The key in ``path``, written there first when the file does not exist."""
    try:
        try:
            return _read_key_file(path)
        except FileNotFoundError:
            _create_key_file(path)
        return _read_key_file(path)
    except OSError as error:
        raise SecretError(f"cannot use secret key file {path}: {error.strerror or error}",
                          code="UserErrorSecretKeyFileUnavailable") from None


def _read_key_file(path: Path) -> SecretKey:
    with open(path, "rb") as file:
        mode = os.fstat(file.fileno()).st_mode
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            raise SecretError(
                f"secret key file {path} has mode {stat.S_IMODE(mode):04o}: group or others may read it, so it "
                f"is not used; make it the owner's alone (chmod 600 {path}) or set {SECRET_KEY_VARIABLE}",
                code="UserErrorSecretKeyFileInsecure",
            )
        data = file.read().strip()
    if not data:
        raise SecretError(f"secret key file {path} is empty; restore the key the store was sealed with",
                          code="UserErrorInvalidSecretKey")
    return SecretKey(data, source=str(path))


def _create_key_file(path: Path) -> None:
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
    # O_EXCL: never write into a file someone else made; the mode is the owner's alone from the start.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as file:
            os.fchmod(file.fileno(), 0o600)  # os.open's mode passes through the umask, which may only remove bits
            file.write(Fernet.generate_key() + b"\n")
            file.flush()
            os.fsync(file.fileno())
        with contextlib.suppress(FileExistsError):  # another process published its key first: that one is used
            os.link(temporary, path)  # publishes a complete file under the name, or fails if the name exists
    finally:
        temporary.unlink(missing_ok=True)
