"""GraphQL face of the scripts domain."""
