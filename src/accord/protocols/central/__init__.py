"""``central``: the centralised solve, the yardstick of every protocol."""

from accord.protocols.central.protocol import CentralOptions, CentralProtocol

__all__ = ["CentralOptions", "CentralProtocol"]
