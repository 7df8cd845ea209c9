"""``seed-random``: the source project's class scheduler, reproduced as a baseline."""

from accord.protocols.seed_random.protocol import SeedRandomOptions, SeedRandomProtocol

__all__ = ["SeedRandomOptions", "SeedRandomProtocol"]
