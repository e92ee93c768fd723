"""Environments behave the same in-process, over HTTP, and on PostgreSQL."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from basalt.errors import AlreadyExistsError, InvalidArgumentError, NotFoundError
from basalt.spec.environments import EnvironmentCreate

CONDA = {
    "name": "train",
    "channels": ["conda-forge"],
    "dependencies": ["python=3.11", {"pip": ["scikit-learn==1.5.2"]}],
}


def test_versions_content_and_latest(client):
    one = client.environments.create_or_update(
        EnvironmentCreate(name="sk", image="python:3.11-slim", conda_file=CONDA)
    )
    two = client.environments.create_or_update(
        EnvironmentCreate(name="sk", pip_requirements=["numpy==2.1.0"], tags={"team": "ml"})
    )
    assert (one.version, two.version) == ("1", "2")
    assert one.conda_file == CONDA
    assert one.image == "python:3.11-slim"
    assert two.pip_requirements == ["numpy==2.1.0"]
    assert len(one.content_hash) == 64
    assert one.content_hash != two.content_hash
    assert one.created_by  # the SDK sends the user name
    assert client.environments.get("sk").version == "2"
    assert client.environments.get("sk@latest").version == "2"
    assert client.environments.get("sk", version="1").conda_file == CONDA
    assert one.content().conda_file == CONDA


def test_same_content_is_idempotent_and_different_content_conflicts(client):
    body = EnvironmentCreate(name="idem", version="3", image="python:3.11-slim")
    first = client.environments.create_or_update(body)
    again = client.environments.create_or_update(body.model_copy(update={"description": "x"}))
    assert again.version == "3"
    assert again.created_at == first.created_at
    assert again.description == ""  # returned unchanged
    with pytest.raises(AlreadyExistsError, match="bump the version"):
        client.environments.create_or_update(
            EnvironmentCreate(name="idem", version="3", image="python:3.12-slim")
        )
    # Same content without a version is a new version, as for every versioned asset.
    assert client.environments.create_or_update(body.model_copy(update={"version": None}))
    assert [e.version for e in client.environments.list("idem")] == ["4", "3"]


def test_empty_environment_is_refused(client):
    with pytest.raises(InvalidArgumentError, match="at least one of image"):
        client.environments.create_or_update(EnvironmentCreate(name="empty"))
    with pytest.raises(NotFoundError):
        client.environments.get("empty")


def test_labels_archive_restore_update_list(client):
    for i in range(3):
        client.environments.create_or_update(
            EnvironmentCreate(name="lab", pip_requirements=[f"pkg=={i}"])
        )
    client.environments.create_or_update(EnvironmentCreate(name="other", image="busybox"))
    client.environments.set_label("lab", "prod", "1")
    assert client.environments.get("lab", label="prod").version == "1"
    assert client.environments.get("lab@prod").labels == ["prod"]
    client.environments.archive("lab", "3")
    assert client.environments.get("lab").version == "2"  # archived hides from latest
    assert [e.version for e in client.environments.list("lab")] == ["2", "1"]
    assert len(client.environments.list("lab", include_archived=True)) == 3
    assert client.environments.get("lab", version="3").archived
    client.environments.restore("lab", "3")
    assert client.environments.get("lab").version == "3"
    updated = client.environments.update("lab", "1", description="first", tags={"stage": "old"})
    assert (updated.description, updated.tags) == ("first", {"stage": "old"})
    assert updated.pip_requirements == ["pkg==0"]  # content unchanged
    assert [e.version for e in client.environments.list(tags={"stage": "old"})] == ["1"]
    assert {e.name for e in client.environments.list()} == {"lab", "other"}
    assert len(client.environments.list(max_results=2)) == 2
    with pytest.raises(NotFoundError):
        client.environments.get("lab", label="nope")
    with pytest.raises(InvalidArgumentError):
        client.environments.set_label("lab", "latest", "1")


def test_environment_like_objects(client):
    like = SimpleNamespace(name="like", version=5, image="python:3.11-slim", conda_file=None)
    made = client.environments.create_or_update(like)
    assert made.version == "5"
    copied = client.environments.create_or_update(made.model_copy(update={"version": "6"}))
    assert copied.content_hash == made.content_hash
    assert client.environments.create_or_update(made).version == "5"  # same content: no-op
