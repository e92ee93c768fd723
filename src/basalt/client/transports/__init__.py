"""Transports: how the SDK reaches services (in-process or HTTP)."""
