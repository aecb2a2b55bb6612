"""Ansible Hub: Ansible playbooks and multi-playbook jobs run by ansible-runner."""
