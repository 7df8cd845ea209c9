"""Agents, buses and the runner that puts a scenario's agents on a bus."""
