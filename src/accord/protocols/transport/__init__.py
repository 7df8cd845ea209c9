"""``transport``: the source's three stages over priced resources (nursing's lines)."""

from accord.protocols.transport.office import OFFICE
from accord.protocols.transport.options import TransportOptions
from accord.protocols.transport.protocol import TransportProtocol

__all__ = ["OFFICE", "TransportOptions", "TransportProtocol"]
