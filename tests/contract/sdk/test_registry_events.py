"""Registry events and webhooks behave the same in-process, over HTTP, and on PostgreSQL.

The receiver is a real HTTP server on 127.0.0.1; deliveries are signed and retried.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest

from basalt.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from basalt.spec.models import ModelCreate
from basalt.spec.registry_events import SIGNATURE_HEADER, verify_signature


class Receiver:
    """An HTTP receiver that answers ``fail_first`` requests with 500, then 200."""

    def __init__(self, fail_first: int = 0) -> None:
        self.fail_first = fail_first
        self.requests: list[tuple[dict[str, str], bytes]] = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers["Content-Length"]))
                outer.requests.append((dict(self.headers.items()), body))
                failing = len(outer.requests) <= outer.fail_first
                self.send_response(500 if failing else 200)
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def payloads(self) -> list[dict[str, Any]]:
        return [json.loads(body) for _, body in self.requests]


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.server.shutdown()


@pytest.fixture
def model_file(tmp_path):
    path = tmp_path / "model.pkl"
    path.write_bytes(b"weights")
    return path


def test_versions_labels_and_archives_are_events_in_order(client, model_file):
    client.models.create_or_update(ModelCreate(name="churn", path=str(model_file)))
    client.models.create_or_update(ModelCreate(name="churn", path=str(model_file)))
    client.models.set_label("churn", "prod", "1")
    client.models.set_label("churn", "prod", "2")
    client.models.set_label("churn", "prod", "2")  # no move, no event
    client.models.archive("churn", "1")
    client.models.restore("churn", "1")

    events = client.events.list(kind="model", name="churn")
    assert [(e.event.value, e.version) for e in events] == [
        ("created", "1"),
        ("created", "2"),
        ("label_set", "1"),
        ("label_set", "2"),
        ("archived", "1"),
        ("restored", "1"),
    ]
    assert events[3].details == {"label": "prod", "previous_version": "1"}
    assert events[0].details["content_hash"]
    assert [e.id for e in events] == sorted(e.id for e in events)
    # Paging forward from the last id seen.
    later = client.events.list(kind="model", after=events[4].id)
    assert [e.event.value for e in later] == ["restored"]
    assert client.events.list(kind="data") == []


def test_webhook_receives_signed_events_of_its_kinds(client, model_file, receiver):
    created = client.webhooks.create("ci", receiver.url, kinds=["model"])
    secret = created.secret.get_secret_value()
    assert len(secret) >= 32
    assert secret not in repr(created)  # masked outside the wire
    assert client.secrets.list() == []  # kept in the vault under a reserved name

    client.models.create_or_update(ModelCreate(name="churn", path=str(model_file)))
    client.models.set_label("churn", "staging", "1")
    assert client.webhooks.get("ci").pending == 2
    report = client.webhooks.deliver()
    assert (report.attempted, report.delivered) == (2, 2)

    payloads = receiver.payloads()
    assert [(p["event"], p["name"], p["version"]) for p in payloads] == [
        ("created", "churn", "1"),
        ("label_set", "churn", "1"),
    ]
    for headers, body in receiver.requests:
        assert verify_signature(secret, body, headers[SIGNATURE_HEADER])
        assert not verify_signature("another secret", body, headers[SIGNATURE_HEADER])
    assert client.webhooks.get("ci").pending == 0
    statuses = [d.status.value for d in client.webhooks.deliveries("ci")]
    assert statuses == ["delivered", "delivered"]
    # Nothing due: a second pass sends nothing again.
    assert client.webhooks.deliver().attempted == 0
    assert len(receiver.requests) == 2


def test_a_failing_receiver_is_retried_with_backoff(client, model_file):
    receiver = Receiver(fail_first=2)
    try:
        client.webhooks.create("flaky", receiver.url, secret="shared-secret")
        client.models.create_or_update(ModelCreate(name="m", path=str(model_file)))
        first = client.webhooks.deliver()
        assert (first.attempted, first.retrying) == (1, 1)
        assert client.webhooks.deliver().attempted == 0  # not due before its backoff
        [delivery] = client.webhooks.deliveries("flaky")
        assert (delivery.status.value, delivery.attempts, delivery.last_status_code) == (
            "pending",
            1,
            500,
        )
        assert "HTTP 500" in (delivery.last_error or "")
        deadline = time.monotonic() + 15
        while client.webhooks.get("flaky").pending and time.monotonic() < deadline:
            time.sleep(0.3)
            client.webhooks.deliver()
        [delivery] = client.webhooks.deliveries("flaky")
        assert (delivery.status.value, delivery.attempts) == ("delivered", 3)
        assert len(receiver.requests) == 3
        # Every attempt carries the same delivery id and a valid signature.
        ids = {headers["X-Basalt-Delivery"] for headers, _ in receiver.requests}
        assert len(ids) == 1
        headers, body = receiver.requests[-1]
        assert verify_signature("shared-secret", body, headers[SIGNATURE_HEADER])
    finally:
        receiver.server.shutdown()


def test_webhook_errors_name_the_thing(client, receiver):
    client.webhooks.create("ci", receiver.url)
    with pytest.raises(AlreadyExistsError, match="'ci'"):
        client.webhooks.create("ci", receiver.url)
    with pytest.raises(InvalidArgumentError, match="http"):
        client.webhooks.create("bad", "ftp://example.org/hook")
    with pytest.raises(InvalidArgumentError, match="kind"):
        client.webhooks.create("bad", receiver.url, kinds=["pipelines"])
    client.webhooks.delete("ci")
    with pytest.raises(NotFoundError, match="'ci'"):
        client.webhooks.get("ci")
    assert client.webhooks.list() == []
