"""The pure MLflow registry mapping: filters, sources, download paths, stages."""

from __future__ import annotations

import pytest

from basalt.errors import InvalidArgumentError
from basalt.server.mlflow_compat import registry_translate as rt


def test_filter_parses_names_likes_and_backticked_tags():
    conds = rt.parse_filter(
        "name ILIKE 'C%' AND tags.`mlflow.prompt.is_prompt` != 'true'", ("name",)
    )
    assert conds == [
        rt.Cond("name", "ILIKE", "C%"),
        rt.Cond("tags.mlflow.prompt.is_prompt", "!=", "true"),
    ]
    assert rt.matches(conds, {"name": "clf"}, {})
    assert not rt.matches(conds, {"name": "clf"}, {"mlflow.prompt.is_prompt": "true"})
    assert not rt.matches([rt.Cond("name", "LIKE", "C%")], {"name": "clf"}, {})
    assert rt.matches([rt.Cond("name", "LIKE", "c_f")], {"name": "clf"}, {})


@pytest.mark.parametrize("text", ["name = 'a' OR name = 'b'", "(name = 'a')", "owner = 'x'"])
def test_filter_refuses_what_it_does_not_know(text):
    with pytest.raises(InvalidArgumentError):
        rt.parse_filter(text, ("name",))


def test_sources_become_run_paths():
    assert rt.source_to_path("runs:/r1/model") == "runs:/r1/model"
    assert rt.source_to_path("mlflow-artifacts:/runs/r1/model") == "runs:/r1/model"
    url = "http://h:1/api/2.0/mlflow-artifacts/artifacts/runs/r1/model"
    assert rt.source_to_path(url) == "runs:/r1/model"
    with pytest.raises(InvalidArgumentError):
        rt.source_to_path("models:/m-abc")


def test_download_paths_and_stages():
    assert rt.download_uri("clf", "2") == "mlflow-artifacts:/models/clf/2"
    assert rt.split_model_path("models/clf/2/data/w.bin") == ("clf", "2", "data/w.bin")
    assert rt.split_model_path("models/clf/2") == ("clf", "2", "")
    assert rt.split_model_path("models/clf") is None
    assert rt.split_model_path("runs/r1/x") is None
    assert rt.check_stage("production") == "Production"
    with pytest.raises(InvalidArgumentError):
        rt.check_stage("prod")
