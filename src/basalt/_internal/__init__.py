"""Private helpers with no domain knowledge."""
