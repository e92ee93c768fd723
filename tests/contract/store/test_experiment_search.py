"""Experiment search, rename, archive and tags: the same answers on SQLite and PostgreSQL."""

from __future__ import annotations

import pytest

from basalt.errors import AlreadyExistsError, ConflictError, InvalidArgumentError, NotFoundError
from basalt.services.container import Services
from basalt.spec.experiments import ExperimentCreate, ExperimentListQuery
from basalt.spec.runs import (
    DatasetInput,
    LogBatch,
    MetricPoint,
    RunCreate,
    run_datasets,
)


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def svc(request, settings, clock):
    if request.param == "postgresql":
        url = request.getfixturevalue("pg_url")
        settings = settings.model_copy(
            update={"store": settings.store.model_copy(update={"url": url})}
        )
    s = Services(settings, clock=clock)
    yield s
    s.close()


@pytest.fixture
def three(svc, clock):
    """Experiments a (team cv), b (team nlp, stage prod), c (no tags), made a minute apart."""
    made = []
    for name, tags in [("a", {"team": "cv"}), ("b", {"team": "nlp", "stage": "prod"}), ("c", {})]:
        made.append(
            svc.experiments.create_experiment("default", ExperimentCreate(name=name, tags=tags))
        )
        clock.advance(60)
    return made


def _names(svc, **query) -> list[str]:
    page = svc.experiments.search_experiments("default", ExperimentListQuery(**query))
    return [e.name for e in page.items]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name = 'b'", ["b"]),
        ("name LIKE 'a%' or name = 'c'", ["a", "c"]),
        ("name ILIKE 'A'", ["a"]),
        ("tags.team = 'cv'", ["a"]),
        ("tags.team != 'cv'", ["b"]),  # only experiments that have the tag
        ("tags.stage IS NULL", ["a", "c"]),
        ("tags.team IN ('cv', 'nlp')", ["a", "b"]),
        ("creation_time > 0", ["a", "b", "c"]),
        ("name != 'a' and tags.`team` LIKE 'n%'", ["b"]),
    ],
)
def test_filters(svc, three, text, expected):
    assert sorted(_names(svc, filter=text)) == expected


def test_filter_by_id_and_times(svc, three):
    a = three[0]
    assert _names(svc, filter=f"experiment_id = {a.id}") == ["a"]
    assert _names(svc, filter=f"experiment_id = '{a.id}'") == ["a"]
    created = int(three[1].created_at.timestamp() * 1000)
    assert sorted(_names(svc, filter=f"creation_time >= {created}")) == ["b", "c"]


def test_orders_and_pages(svc, three):
    assert _names(svc) == ["c", "b", "a"]  # newest first
    assert _names(svc, order_by=["name ASC"]) == ["a", "b", "c"]
    assert _names(svc, order_by=["tags.team DESC"]) == ["b", "a", "c"]  # no tag: last
    first = svc.experiments.search_experiments(
        "default", ExperimentListQuery(order_by=["name"], max_results=2)
    )
    rest = svc.experiments.search_experiments(
        "default",
        ExperimentListQuery(order_by=["name"], max_results=2, page_token=first.next_page_token),
    )
    assert [e.name for e in first.items + rest.items] == ["a", "b", "c"]
    assert rest.next_page_token is None


def test_bad_filters_are_invalid(svc):
    for text in ("metrics.x > 1", "params.p = 'a'", "status = 'x'", "name >>> 1"):
        with pytest.raises(InvalidArgumentError):
            _names(svc, filter=text)


def test_archive_takes_the_runs_along_and_views_select(svc, three):
    run = svc.runs.create_run("default", RunCreate(experiment_name="a"))
    svc.experiments.archive_experiment("default", "a")
    assert svc.runs.get_run("default", run.name).archived
    assert _names(svc) == ["c", "b"]
    assert _names(svc, view="archived") == ["a"]
    assert _names(svc, view="all") == ["c", "b", "a"]
    restored = svc.experiments.archive_experiment("default", "a", archived=False)
    assert not restored.archived
    assert not svc.runs.get_run("default", run.name).archived


def test_rename(svc, three, clock):
    before = three[0].updated_at
    renamed = svc.experiments.rename_experiment("default", "a", "alpha")
    assert (renamed.id, renamed.name) == (three[0].id, "alpha")
    assert renamed.updated_at > before
    with pytest.raises(NotFoundError):
        svc.experiments.get_experiment("default", "a")
    with pytest.raises(AlreadyExistsError):
        svc.experiments.rename_experiment("default", "alpha", "b")
    with pytest.raises(InvalidArgumentError):
        svc.experiments.rename_experiment("default", "alpha", "")
    svc.experiments.ensure_experiment("default")
    with pytest.raises(ConflictError, match="Default"):
        svc.experiments.rename_experiment("default", "Default", "other")


def test_tags_and_lookup_by_id(svc, three):
    b = three[1]
    svc.experiments.set_tags("default", "b", {"stage": "dev", "new": "1"})
    assert svc.experiments.get_experiment_by_id("default", b.id).tags == {
        "team": "nlp",
        "stage": "dev",
        "new": "1",
    }
    svc.experiments.delete_tag("default", "b", "new")
    with pytest.raises(NotFoundError, match="new"):
        svc.experiments.delete_tag("default", "b", "new")
    for bad in ("999999", "abc", ""):
        with pytest.raises(NotFoundError):
            svc.experiments.get_experiment_by_id("default", bad)


def test_ensure_experiment_is_idempotent(svc):
    first = svc.experiments.ensure_experiment("default")
    assert first.name == "Default"
    assert svc.experiments.ensure_experiment("default").id == first.id


def test_dataset_inputs_are_kept_once_with_merged_tags(svc):
    run = svc.runs.create_run("default", RunCreate())
    iris = DatasetInput(
        name="iris", digest="abc", source_type="http", source="{}", tags={"context": "train"}
    )
    svc.runs.log_inputs("default", run.name, [iris])
    svc.runs.log_inputs(
        "default",
        run.name,
        [
            iris.model_copy(update={"tags": {"split": "a"}}),
            iris.model_copy(update={"digest": "d2"}),
        ],
    )
    datasets = run_datasets(svc.runs.get_run("default", run.name))
    assert [(d.name, d.digest) for d in datasets] == [("iris", "abc"), ("iris", "d2")]
    assert datasets[0].tags == {"context": "train", "split": "a"}


def test_paged_metric_history_reads_only_its_slice(svc):
    run = svc.runs.create_run("default", RunCreate())
    points = [MetricPoint(key="x", value=float(i), step=i, timestamp=i) for i in range(1000)]
    svc.runs.log_batch("default", run.name, LogBatch(metrics=points))
    seen = []
    token = None
    while True:
        page = svc.runs.get_metric_history_page(
            "default", run.name, "x", max_results=300, page_token=token
        )
        seen.extend(page.steps)
        assert page.total_points == 1000
        token = page.next_page_token
        if token is None:
            break
    assert seen == list(range(1000))
    everything = svc.runs.get_metric_history_page("default", run.name, "x")
    assert everything.steps == list(range(1000))
    assert everything.next_page_token is None
    assert svc.runs.get_metric_history_page("default", run.name, "none").total_points == 0
    # Logged out of order: the slice still follows step order.
    svc.runs.log_batch(
        "default",
        run.name,
        LogBatch(metrics=[MetricPoint(key="x", value=-1, step=-5, timestamp=0)]),
    )
    head = svc.runs.get_metric_history_page("default", run.name, "x", max_results=2)
    assert head.steps == [-5, 0]
