"""Accelerator specs and compute fabrics."""
