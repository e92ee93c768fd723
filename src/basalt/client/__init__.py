"""The SDK: ``Client`` and its operation groups, over an in-process or HTTP transport."""

from basalt.client.client import Client

__all__ = ["Client"]
