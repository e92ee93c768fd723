"""``basalt online-deployment package`` as a user runs it (the served answer: integration)."""

from __future__ import annotations

import json


def test_package_writes_a_docker_context_and_refuses_a_used_folder(e2e, tmp_path):  # type: ignore[no-untyped-def]
    e2e.basalt("init", cwd=tmp_path)
    (tmp_path / "model").mkdir()
    (tmp_path / "model" / "weights.json").write_text('{"w": 3.0}')
    (tmp_path / "code").mkdir()
    (tmp_path / "code" / "score.py").write_text(
        "def init():\n    pass\n\ndef run(raw):\n    return raw\n"
    )
    (tmp_path / "endpoint.yml").write_text("name: lin\nauth_mode: key\n")
    (tmp_path / "blue.yml").write_text(
        "name: blue\nendpoint_name: lin\nmodel:\n  path: ./model\n"
        "code_configuration:\n  code: ./code\n  scoring_script: score.py\n"
        "environment:\n  image: python:3.11-slim\n"
        "environment_variables:\n  MODE: fast\n"
    )

    def run(*args, expect=0):  # type: ignore[no-untyped-def]
        return e2e.basalt(*args, cwd=tmp_path, expect=expect)

    try:
        run("online-endpoint", "create", "-f", "endpoint.yml")
        run("online-deployment", "create", "-f", "blue.yml", "--all-traffic")
        made = run("online-deployment", "package", "--name", "blue", "--endpoint-name", "lin",
                   "-o", "image")  # fmt: skip
        assert "docker build -t lin-blue image" in made.stdout
        assert "docker run --rm -p 5001:5001 lin-blue" in made.stdout
        assert "curl -X POST http://127.0.0.1:5001/score" in made.stdout
        context = tmp_path / "image"
        dockerfile = (context / "Dockerfile").read_text()
        assert "FROM python:3.11-slim" in dockerfile
        assert 'ENV MODE="fast"' in dockerfile
        assert (context / "model" / "model" / "weights.json").is_file()
        assert (context / "code" / "score.py").is_file()
        assert (context / "basalt_scoring" / "worker.py").is_file()
        manifest = json.loads((context / "basalt-package.json").read_text())
        assert manifest["model"] == "lin-blue:1"
        assert "model/model/weights.json" in manifest["files"]

        e2e.assert_one_error_line(
            run(
                "online-deployment",
                "package",
                "-n",
                "blue",
                "-e",
                "lin",
                "-o",
                "image",
                expect=None,
            ),  # fmt: skip
            "not empty",
            "--overwrite",
        )
        again = run(
            "-o", "json", "online-deployment", "package", "-n", "blue", "-e", "lin",
            "-o", "image", "--overwrite",
        ).json()  # fmt: skip
        assert again["deployment_name"] == "blue"
        assert "Dockerfile" in again["files"]
        e2e.assert_one_error_line(
            run(
                "online-deployment",
                "package",
                "-n",
                "green",
                "-e",
                "lin",
                "-o",
                "other",
                expect=None,
            ),  # fmt: skip
            "'green'",
        )
    finally:
        run("serve", "--stop")
