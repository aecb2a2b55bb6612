"""GraphQL face of the schedules domain."""
