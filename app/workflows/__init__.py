"""Workflows: node/edge automation graphs, their folders, tags and executions."""
