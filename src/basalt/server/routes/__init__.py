"""Routes, one module per concept (same names as services/)."""
