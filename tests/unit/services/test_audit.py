"""The audit log service: append-only events, newest first, filters and stable paging."""

from __future__ import annotations

from datetime import timedelta

import pytest

from basalt.errors import InvalidArgumentError
from basalt.services.audit import AuditService, outcome_of
from basalt.spec.auth import AuditQuery


@pytest.fixture
def audit(services, clock):
    return AuditService(services.uow, clock)


def _record(audit, principal="alice", operation="runs.create", workspace="default", status=201):
    audit.record(
        principal=principal,
        operation=operation,
        method="POST",
        path=f"/api/v1/workspaces/{workspace}/runs",
        workspace=workspace,
        status=status,
        outcome=outcome_of(status),
        address="10.0.0.1",
    )


def test_events_list_newest_first_with_every_field(audit, clock):
    _record(audit, operation="runs.create")
    clock.advance(1)
    _record(audit, operation="jobs.create", status=403)
    page = audit.list(AuditQuery())
    assert [e.operation for e in page.items] == ["jobs.create", "runs.create"]
    newest = page.items[0]
    assert (newest.principal, newest.workspace, newest.status, newest.outcome) == (
        "alice",
        "default",
        403,
        "denied",
    )
    assert newest.address == "10.0.0.1"
    assert newest.at == clock.now()
    assert page.next_page_token is None


def test_filters_by_user_operation_workspace_and_time(audit, clock):
    start = clock.now()
    _record(audit, principal="alice", workspace="a")
    clock.advance(60)
    _record(audit, principal="bob", workspace="b", operation="models.create")
    clock.advance(60)
    _record(audit, principal="alice", workspace="b")

    def ops(**kw):
        return [(e.principal, e.workspace) for e in audit.list(AuditQuery(**kw)).items]

    assert ops(user="alice") == [("alice", "b"), ("alice", "a")]
    assert ops(operation="models.create") == [("bob", "b")]
    assert ops(workspace="a") == [("alice", "a")]
    assert ops(since=start + timedelta(seconds=30)) == [("alice", "b"), ("bob", "b")]
    assert ops(until=start + timedelta(seconds=30)) == [("alice", "a")]


def test_visible_workspaces_limit_what_a_caller_sees(audit):
    _record(audit, workspace="a")
    _record(audit, workspace="b")
    assert {e.workspace for e in audit.list(AuditQuery(), ["a"]).items} == {"a"}
    assert audit.list(AuditQuery(workspace="b"), ["a"]).items == []
    assert len(audit.list(AuditQuery(), None).items) == 2


def test_pages_stay_stable_while_events_are_appended(audit):
    for i in range(5):
        _record(audit, operation=f"op{i}")
    first = audit.list(AuditQuery(max_results=2))
    assert [e.operation for e in first.items] == ["op4", "op3"]
    _record(audit, operation="late")  # appended while paging: must not shift the next page
    second = audit.list(AuditQuery(max_results=2, page_token=first.next_page_token))
    assert [e.operation for e in second.items] == ["op2", "op1"]
    third = audit.list(AuditQuery(max_results=2, page_token=second.next_page_token))
    assert [e.operation for e in third.items] == ["op0"]
    assert third.next_page_token is None


def test_a_foreign_page_token_is_refused(audit):
    with pytest.raises(InvalidArgumentError):
        audit.list(AuditQuery(page_token="not-a-token"))


@pytest.mark.parametrize(
    ("status", "denied", "outcome"),
    [(200, False, "ok"), (204, False, "ok"), (401, False, "denied"), (403, False, "denied")]
    + [(404, True, "denied"), (404, False, "error"), (413, False, "error"), (500, False, "error")],
)
def test_outcome_of_a_status(status, denied, outcome):
    assert outcome_of(status, access_denied=denied) == outcome


def test_the_service_has_no_way_to_change_or_remove_events():
    assert {"update", "delete", "remove", "clear"}.isdisjoint(dir(AuditService))


def test_cli_since_takes_durations_and_iso_times():
    from datetime import UTC, datetime

    from basalt.cli.audit import parse_since

    now = datetime(2026, 1, 2, 12, 0, tzinfo=UTC)
    assert parse_since("90m", now=now) == datetime(2026, 1, 2, 10, 30, tzinfo=UTC)
    assert parse_since("1d", now=now) == datetime(2026, 1, 1, 12, 0, tzinfo=UTC)
    assert parse_since("2026-01-01T08:00") == datetime(2026, 1, 1, 8, 0, tzinfo=UTC)
    with pytest.raises(InvalidArgumentError, match="duration"):
        parse_since("yesterday")
