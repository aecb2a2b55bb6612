"""GraphQL face of AI assistant conversations."""
