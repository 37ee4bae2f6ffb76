"""The library API is what ``pgfactory.__all__`` says, and every name in it is real."""

from __future__ import annotations

import pgfactory


def test_every_exported_name_exists() -> None:
    for name in pgfactory.__all__:
        assert getattr(pgfactory, name) is not None, name


def test_public_callables_are_not_mistaken_for_tests() -> None:
    assert pgfactory.test_connection.__test__ is False  # type: ignore[attr-defined]
    assert pgfactory.test_linked_service.__test__ is False  # type: ignore[attr-defined]
