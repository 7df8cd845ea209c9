"""Errors that reach the user as one line."""


class AccordError(Exception):
    """Base of every error accord reports to a user without a traceback."""


class ScenarioError(AccordError):
    """A scenario (or a data file) is invalid; the message names the file and the field."""

    def __init__(self, source: str, where: str, what: str) -> None:
        self.source, self.where, self.what = source, where, what
        super().__init__(f"{source}: {where}: {what}" if where else f"{source}: {what}")


class StoreError(AccordError):
    """The run store cannot be opened or does not hold what was asked."""


class ProtocolError(AccordError):
    """A negotiation broke its own rules (stalled, unexpected message)."""
