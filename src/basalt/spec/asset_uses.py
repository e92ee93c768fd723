"""Who uses an asset version (a deployment of an endpoint ...): the in-use guard's records."""

from __future__ import annotations

from datetime import datetime

from basalt.spec.common import Entity


class AssetUse(Entity):
    """One user of one asset version; while it exists the version cannot be archived or deleted.

    Attributes:
        kind: The asset kind (``model``, ``data``, ``environment``).
        name: The asset name.
        version: The asset version.
        user_kind: What uses it (``deployment``, ...).
        user_name: Which one (``ep1/blue``: ``<endpoint>/<deployment>`` for a deployment).
        created_at: When the use was registered.
    """

    kind: str
    name: str
    version: str
    user_kind: str
    user_name: str
    created_at: datetime

    def describe(self) -> str:
        """The user in words: ``deployment ep1/blue``."""
        return f"{self.user_kind} {self.user_name}"
