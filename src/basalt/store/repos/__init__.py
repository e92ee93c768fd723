"""Queries per concept; they return rows and hold no business rule."""
