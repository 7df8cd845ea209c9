"""``first-commit``: today's practice, the baseline of the negotiating protocols."""

from accord.protocols.first_commit.protocol import FirstCommitOptions, FirstCommitProtocol

__all__ = ["FirstCommitOptions", "FirstCommitProtocol"]
