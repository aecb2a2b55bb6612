"""REST compatibility surfaces: the five legacy APIs, translated onto the services."""
