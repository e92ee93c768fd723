"""Write the server's OpenAPI document to a file: the source of the studio's API types.

``make setup`` runs it before building ``web/`` (``npm run api-types`` reads the file), so a
change to the API that the UI does not follow fails the UI's type check.

Usage: python tools/openapi_json.py web/openapi.json
"""

from __future__ import annotations

import json
import sys
import tempfile
from pathlib import Path

from basalt.config import load_settings
from basalt.server.app import create_app


def main(out: str) -> None:
    """Build the app on a throwaway store (nothing is opened) and write its document."""
    with tempfile.TemporaryDirectory() as tmp:
        settings = load_settings(
            tmp,
            store={"url": f"sqlite:///{tmp}/openapi.db"},
            artifacts={"url": f"{tmp}/artifacts"},
        )
        document = create_app(settings).openapi()
    Path(out).write_text(json.dumps(document, indent=1, sort_keys=True), encoding="utf-8")


if __name__ == "__main__":
    main(sys.argv[1])
