"""The studio's files beside the API: deep links get the page, API paths never do."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from basalt.server import studio


@pytest.fixture
def built(tmp_path: Path) -> Path:
    """A stand-in build: what `npm run build` writes (index.html, hashed assets, a favicon)."""
    static = tmp_path / "static"
    (static / "assets").mkdir(parents=True)
    (static / "index.html").write_text("<!doctype html><div id=root></div>studio-page")
    (static / "assets" / "index-abc123.js").write_text("console.log('studio')")
    (static / "favicon.svg").write_text("<svg/>")
    return static


def _app_with(app, static: Path):  # type: ignore[no-untyped-def]
    # The app under test installed the package's own folder; swap in the stand-in build.
    app.router.routes[:] = [
        r for r in app.router.routes if getattr(r, "path", "") not in ("/assets", "/{path:path}")
    ]
    studio.install(app, static)
    return TestClient(app)


def test_deep_links_answer_the_page_and_assets_are_cached_for_good(app, built):
    http = _app_with(app, built)
    for path in ("/", "/workspaces/default/jobs/job-1", "/workspaces/w/models/m/versions/2"):
        page = http.get(path)
        assert page.status_code == 200, path
        assert "studio-page" in page.text
        assert page.headers["cache-control"] == "no-cache"
    asset = http.get("/assets/index-abc123.js")
    assert asset.text == "console.log('studio')"
    assert "immutable" in asset.headers["cache-control"]
    assert http.get("/favicon.svg").text == "<svg/>"
    assert http.get("/assets/missing.js").status_code == 404


def test_api_paths_keep_their_own_answers(app, built):
    http = _app_with(app, built)
    unknown = http.get("/api/v1/no-such-thing")
    assert unknown.status_code == 404
    assert unknown.json()["error"]["code"] == "not_found"
    # A wrong method on an API route is still a 405 envelope, not the page.
    wrong = http.delete("/api/v1/workspaces")
    assert wrong.status_code == 405
    assert wrong.json()["error"]["code"] == "invalid_argument"
    assert http.get("/openapi.json").json()["info"]["title"] == "Basalt"
    assert http.get("/healthz").status_code == 200
    assert http.get("/metrics").headers["content-type"].startswith("text/plain")
    scoring = http.post("/endpoints/nope/score", json={})
    assert scoring.status_code == 404
    assert "studio-page" not in scoring.text
    assert "studio-page" not in http.get("/mlflow/ws/default/api/2.0/mlflow/nope").text


def test_the_page_needs_no_token_but_the_api_still_does(auth_app, built):
    http = _app_with(auth_app, built)
    assert "studio-page" in http.get("/workspaces/default").text
    assert http.get("/api/v1/workspaces").status_code == 401


def test_without_a_build_the_page_says_how_to_build(app, tmp_path):
    http = _app_with(app, tmp_path / "not-built")
    page = http.get("/workspaces/default/jobs")
    assert page.status_code == 200
    assert "The studio is not built" in page.text
    assert "make setup" in page.text
    assert http.get("/api/v1/workspaces").status_code == 200
