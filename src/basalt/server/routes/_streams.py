"""The response class of file downloads, so that /openapi.json documents them as bytes."""

from __future__ import annotations

from typing import Any

from fastapi.responses import StreamingResponse


class FileStream(StreamingResponse):
    """A streamed file (``application/octet-stream``).

    NOTE: a route declared with ``response_class=FileStream`` is documented with this media
    type; with the default class the document claimed JSON for bytes (found by the fuzz test).
    """

    media_type = "application/octet-stream"


FILE_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "description": "The file's bytes.",
        "content": {"application/octet-stream": {"schema": {"type": "string", "format": "binary"}}},
    }
}
"""The documented answer of a file download (the ``responses`` argument of its route)."""
