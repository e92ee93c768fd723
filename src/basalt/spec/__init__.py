"""Pydantic models of every API body and file shape; shared by server, SDK and CLI."""
