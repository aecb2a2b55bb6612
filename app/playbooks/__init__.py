"""OPMAS step playbooks: ordered `{type, action}` steps run as executions."""
