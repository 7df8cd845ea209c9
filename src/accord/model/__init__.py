"""Plain typed data: scenarios, plans, messages. Imports nothing else of accord."""
