"""GraphQL face of the OPMAS step playbooks domain."""
