"""Drivers: runs built from several engine calls or from a run's per-layer table, e.g. an LLM
generation (prefill, then decode steps). They sit above the engine (docs/architecture.md,
"Floors"), so the workload package below never imports the engine."""
