"""Service federations (MockOps): named sets of services routed by base path."""
