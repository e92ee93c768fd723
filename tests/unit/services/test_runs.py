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
def test_terminal_job_refuses_every_change(svc, target):
    run = svc.runs.create_run("default", RunCreate(spec={"command": "x"}))
    svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.CANCELED))
    with pytest.raises(ConflictError, match="Canceled"):
        svc.runs.update_run("default", run.name, RunUpdate(status=target))


@pytest.mark.parametrize("target", [RunStatus.QUEUED, RunStatus.FAILED])
def test_terminal_interactive_run_refuses_every_change_but_resuming(svc, target):
    run = svc.runs.create_run("default", RunCreate())
    svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.CANCELED))
    with pytest.raises(ConflictError, match="Canceled"):
        svc.runs.update_run("default", run.name, RunUpdate(status=target))


def test_ended_interactive_run_resumes_and_forgets_its_end(svc, clock):
    run = svc.runs.create_run("default", RunCreate())
    clock.advance(10)
    done = svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.COMPLETED))
    assert done.end_time is not None
    clock.advance(10)
    again = svc.runs.update_run("default", run.name, RunUpdate(status=RunStatus.RUNNING))
    assert again.status == RunStatus.RUNNING
    assert again.end_time is None
    assert again.start_time == run.start_time
    assert [h.status for h in again.status_history][-2:] == [
        RunStatus.COMPLETED,
        RunStatus.RUNNING,
    ]


def test_explicit_start_and_end_times_are_kept(svc):
    from datetime import UTC, datetime

    start = datetime(2025, 5, 1, 12, 0, tzinfo=UTC)
    end = datetime(2025, 5, 1, 12, 30, tzinfo=UTC)
    run = svc.runs.create_run("default", RunCreate(start_time=start))
    assert run.start_time == start
    done = svc.runs.update_run(
        "default", run.name, RunUpdate(status=RunStatus.COMPLETED, end_time=end)
    )
    assert done.end_time == end
    assert done.duration_s == 1800


def test_run_name_tag_and_display_name_stay_equal(svc):
    from basalt.errors import InvalidArgumentError
    from basalt.spec.runs import RUN_NAME_TAG, LogBatch

    run = svc.runs.create_run("default", RunCreate(tags={RUN_NAME_TAG: "first"}))
    assert run.display_name == "first"
    svc.runs.log_batch("default", run.name, LogBatch(tags={RUN_NAME_TAG: "second"}))
    assert svc.runs.get_run("default", run.name).display_name == "second"
    renamed = svc.runs.update_run("default", run.name, RunUpdate(display_name="third"))
    assert renamed.tags[RUN_NAME_TAG] == "third"
    plain = svc.runs.create_run("default", RunCreate(display_name="plain"))
    assert RUN_NAME_TAG not in plain.tags  # a Basalt run gets no MLflow tag it did not ask for
    with pytest.raises(InvalidArgumentError, match="differ"):
        svc.runs.create_run("default", RunCreate(display_name="a", tags={RUN_NAME_TAG: "b"}))


def test_unknown_workspace_names_it(svc):
    with pytest.raises(NotFoundError, match="'ghost'"):
        svc.runs.create_run("ghost", RunCreate())


def test_unknown_parent_is_not_found_and_nothing_is_created(svc):
    with pytest.raises(NotFoundError, match="nope"):
        svc.runs.create_run("default", RunCreate(parent_name="nope", experiment_name="orphans"))
    with pytest.raises(NotFoundError):
        svc.experiments.get_experiment("default", "orphans")
