"""The credential vault: encrypted secrets, rotation history and an audit log."""
