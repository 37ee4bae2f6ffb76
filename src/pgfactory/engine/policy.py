"""An execution activity's ``policy``: timeout, retry, retry interval, secure input and output."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from pgfactory.errors import ActivityError
from pgfactory.models.timespan import parse_timespan
from pgfactory.models.values import as_flag

DEFAULT_TIMEOUT = "7.00:00:00"
DEFAULT_RETRY_INTERVAL_SECONDS = 30


@dataclass(frozen=True)
class ActivityPolicy:
    timeout: timedelta = timedelta(days=7)
    timeout_text: str = DEFAULT_TIMEOUT
    retry: int = 0
    retry_interval_seconds: float = DEFAULT_RETRY_INTERVAL_SECONDS
    secure_input: bool = False
    secure_output: bool = False

    @classmethod
    def from_json(cls, policy: dict[str, Any] | None) -> ActivityPolicy:
        """The policy from its JSON with expressions already evaluated; ADF's defaults where absent."""
        policy = policy or {}
        timeout_text = str(policy.get("timeout") or DEFAULT_TIMEOUT)
        try:
            timeout = parse_timespan(timeout_text)
        except ValueError as error:
            raise ActivityError(f"policy.timeout: {error}", code="InvalidActivityPolicy") from None
        return cls(
            timeout=timeout,
            timeout_text=timeout_text,
            retry=_whole(policy.get("retry"), "retry", 0),
            retry_interval_seconds=_whole(policy.get("retryIntervalInSeconds"), "retryIntervalInSeconds",
                                          DEFAULT_RETRY_INTERVAL_SECONDS),
            secure_input=as_flag(policy.get("secureInput"), False),
            secure_output=as_flag(policy.get("secureOutput"), False),
        )


def _whole(value: Any, name: str, default: int) -> int:
    if value is None or value == "":
        return default
    try:
        number = int(str(value))
    except ValueError:
        raise ActivityError(f"policy.{name} must be a whole number, got {value!r}", code="InvalidActivityPolicy") from None
    if number < 0:
        raise ActivityError(f"policy.{name} must not be negative, got {number}", code="InvalidActivityPolicy")
    return number
