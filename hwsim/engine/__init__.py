"""Engines: the analytical (default) engine; the event-driven engine arrives with PIM."""
