"""Technology: primitive costs with sources and node scaling."""
