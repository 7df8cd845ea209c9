"""What puts accord together: the registry, the runner and the NATS launcher."""
