"""GraphQL face of the Ansible Hub domain."""
