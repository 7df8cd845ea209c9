"""``seed-offers``: the source notebook's mechanism, reproduced as a baseline."""

from accord.protocols.seed_offers.protocol import SeedOffersOptions, SeedOffersProtocol

__all__ = ["SeedOffersOptions", "SeedOffersProtocol"]
