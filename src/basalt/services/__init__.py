"""Every business rule of Basalt; no FastAPI, HTTP, typer or printing."""
