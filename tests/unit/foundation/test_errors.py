from __future__ import annotations

import pytest

from basalt.errors import (
    AlreadyExistsError,
    BasaltError,
    ConflictError,
    InvalidArgumentError,
    NotFoundError,
    UnavailableError,
    invalid,
)


@pytest.mark.parametrize(
    ("cls", "code", "status"),
    [
        (InvalidArgumentError, "invalid_argument", 400),
        (NotFoundError, "not_found", 404),
        (AlreadyExistsError, "already_exists", 409),
        (ConflictError, "conflict", 409),
        (UnavailableError, "unavailable", 503),
    ],
    ids=lambda v: getattr(v, "__name__", str(v)),
)
def test_envelope_round_trip_rebuilds_the_same_class(cls, code, status):
    err = cls("Run 'x' not found", details={"run": "x"})
    envelope = err.to_envelope("req-1")
    assert envelope["error"]["code"] == code
    assert envelope["error"]["request_id"] == "req-1"
    assert cls.http_status == status
    back = BasaltError.from_envelope(envelope, status)
    assert type(back) is cls
    assert back.message == "Run 'x' not found"
    assert back.details == {"run": "x"}


def test_unknown_code_from_a_newer_server_keeps_its_code():
    back = BasaltError.from_envelope({"error": {"code": "quota_exceeded", "message": "m"}}, 429)
    assert type(back) is BasaltError
    assert back.code == "quota_exceeded"


def test_invalid_names_the_field():
    assert invalid("key", "bad").details == {"field": "key"}
