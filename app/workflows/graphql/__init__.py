"""GraphQL face of the workflows domain."""
