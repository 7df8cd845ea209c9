"""``negotiate``: accord's capacity negotiation (the phases: ``protocol``).

``options`` (its options), ``member`` (the member agent), ``manager`` (the episode) built
on ``books`` (grants, free capacity, debts), ``budget`` (the time budget), ``exchange``
(buying room), ``grants`` (the grant phase) and ``changes`` (Requests for Change).
"""

from accord.protocols.negotiate.manager import Manager
from accord.protocols.negotiate.member import Member
from accord.protocols.negotiate.options import NegotiateOptions
from accord.protocols.negotiate.protocol import NegotiateProtocol, members

__all__ = ["Manager", "Member", "NegotiateOptions", "NegotiateProtocol", "members"]
