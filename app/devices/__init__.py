"""The fleet: devices (biRun servers, OpsConductor devices, Ansible hosts), groups."""
