"""Observations: what sources saw, normalised, validated and kept exactly as received."""
