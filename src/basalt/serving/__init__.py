"""The data plane of online endpoints: scoring workers, routing tables, the serve host.

``worker.py`` runs as a *script* with a deployment environment's own Python (standard library
only, no Basalt there); the rest is imported by the supervisor (``daemons/deployments.py``),
the gateway (``server/gateway.py``) and the control plane (``serving.host.ensure_serving``).
Nothing here touches the store.
"""
