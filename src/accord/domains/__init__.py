"""Domains: scenario, local problems, shared resources, validator, central model and
formats of each kind of organisation. No agents, no message kinds."""
