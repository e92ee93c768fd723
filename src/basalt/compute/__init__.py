"""Drivers for where jobs run. They start, watch and stop processes; they never touch the store."""
