from __future__ import annotations

import pytest

from basalt.errors import ConflictError, NotFoundError
from basalt.services.container import Services
from basalt.spec.runs import RunCreate, RunStatus, RunUpdate


@pytest.fixture
def svc(settings, clock):
    services = Services(settings, clock=clock)
    yield services
    services.close()


def test_status_history_records_each_transition_with_its_time(svc, clock):
    run = svc.runs.create_run("default", RunCreate(status=RunStatus.QUEUED, spec={"command": "x"}))
    assert run.kind == "job"
    assert run.start_time is None
    clock.advance(5)
    svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.RUNNING))
    clock.advance(60)
    done = svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.COMPLETED))
    assert [h.status for h in done.status_history] == [
        RunStatus.QUEUED,
        RunStatus.RUNNING,
        RunStatus.COMPLETED,
    ]
    assert done.duration_s == 60
    assert (done.status_history[1].at - done.status_history[0].at).total_seconds() == 5


def test_running_duration_counts_up_to_now(svc, clock):
    run = svc.runs.create_run("default", RunCreate())
    clock.advance(30)
    assert svc.runs.get_run("default", run.name).duration_s == 30


@pytest.mark.parametrize("target", [RunStatus.RUNNING, RunStatus.QUEUED, RunStatus.FAILED])
def test_terminal_run_refuses_every_change(svc, target):
    run = svc.runs.create_run("default", RunCreate())
    svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.CANCELED))
    with pytest.raises(ConflictError, match="Canceled"):
        svc.runs.update_run("default", run.name, RunUpdate(status=target))


def test_unknown_workspace_names_it(svc):
    with pytest.raises(NotFoundError, match="'ghost'"):
        svc.runs.create_run("ghost", RunCreate())


def test_unknown_parent_is_not_found_and_nothing_is_created(svc):
    with pytest.raises(NotFoundError, match="nope"):
        svc.runs.create_run("default", RunCreate(parent_name="nope", experiment_name="orphans"))
    with pytest.raises(NotFoundError):
        svc.experiments.get_experiment("default", "orphans")
