"""One HTTP POST with the standard library, for outbound notifications (webhooks).

NOTE: the services layer may not depend on an HTTP client library (the import-linter contract
keeps HTTP at the edges); a webhook delivery needs only a POST with a timeout, which urllib
does. ``Poster`` is what a service takes, so a test can give it another.
"""

from __future__ import annotations

import urllib.error
import urllib.request
from collections.abc import Callable

Poster = Callable[[str, bytes, dict[str, str], float], tuple[int | None, str | None]]
"""``(url, body, headers, timeout_s) → (HTTP status or None, error or None on success)``."""


def post(
    url: str, body: bytes, headers: dict[str, str], timeout_s: float
) -> tuple[int | None, str | None]:
    """POST ``body``; (status, None) on a 2xx answer, else (status or None, what went wrong)."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")  # noqa: S310 - http(s) only, checked at creation
    try:
        with urllib.request.urlopen(request, timeout=timeout_s) as response:  # noqa: S310
            status = int(response.status)
    except urllib.error.HTTPError as exc:
        return exc.code, f"the receiver answered HTTP {exc.code}"
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{type(exc).__name__}: {reason}"
    if 200 <= status < 300:
        return status, None
    return status, f"the receiver answered HTTP {status}"
