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


def test_build_caches_a_venv_and_a_job_reuses_it(client, tmp_path):
    from basalt import command

    client.environments.create_or_update(
        EnvironmentCreate(name="six-env", pip_requirements=["six==1.17.0"])
    )
    first = client.environments.build("six-env")
    assert first.ref == "six-env:1"
    assert first.requirements == ["six==1.17.0"]
    assert "/envs/" in first.python
    again = client.environments.build("six-env@latest")
    assert again.built is False
    assert again.key == first.key
    assert again.python == first.python

    job = command(
        command="python -c 'import six, sys; print(six.__version__, sys.executable)'",
        environment="azureml:six-env:1",
    )
    name = client.jobs.create_or_update(job).name
    run = client.jobs.stream(name, out=SimpleNamespace(write=lambda _: 0, flush=lambda: None))
    assert run.status.value == "Completed"
    log = client.jobs.logs(name, max_bytes=1 << 20).text
    assert f"1.17.0 {first.python}" in log
    assert "environment built" not in log  # the job found it cached
    assert run.properties["basalt.environment_key"] == first.key


def test_curated_environment_builds_and_exports_a_dockerfile(client, tmp_path):
    minimal = client.environments.build("basalt-minimal")
    assert minimal.ref == "curated:basalt-minimal"
    assert minimal.built is False  # no packages: jobs run with Basalt's own Python

    context = client.environments.dockerfile("sklearn-1.5", output_dir=tmp_path / "docker")
    assert context.ref == "curated:sklearn-1.5"
    dockerfile = (tmp_path / "docker" / "Dockerfile").read_text()
    assert dockerfile.startswith("# Generated by Basalt")
    requirements = (tmp_path / "docker" / "requirements.txt").read_text()
    assert "scikit-learn==1.5.1" in requirements
    with pytest.raises(AlreadyExistsError, match="Dockerfile"):
        client.environments.dockerfile("sklearn-1.5", output_dir=tmp_path / "docker")
    with pytest.raises(NotFoundError, match="curated"):
        client.environments.build("no-such-environment")
