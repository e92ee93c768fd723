"""FastAPI server: thin adapters from HTTP to services."""
