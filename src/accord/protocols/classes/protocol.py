"""``classes``: the message flow of the source document (a multi-agent class scheduler).

A **coordinator** starts every group's search (``StartSearchingProfessors``, its scope
the full-time professors). A **group** sends ``NegotiationProposition`` for each
discipline it needs to every professor in scope, who answers ``NegotiationAcceptance``
(it can teach it) or ``NegotiationRejection``. When all reject, the group sends
``ExtraScopeRequest`` to the coordinator, which widens its scope to the part-time
professors; when still none accepts, ``NoCounterpartFound``: the coordinator records the
discipline as unassigned, with the reason. Otherwise the group sends ``CounterpartsFound(n)``
to each professor that accepted.

A **professor**, once every negotiation it accepted has reported its counterparts,
establishes each discipline's priority (open negotiations of the discipline / professors
able to teach it, as the groups report them) and sends ``DisciplinePriorityEstablished``;
it re-establishes it whenever it changes (a negotiation opens or closes, it takes a
class, it fills up). With it comes whether the professor takes a proposal of that group
now: it keeps its free classes for the open negotiations of the highest priority (a
discipline many groups need from few professors first), so it is not filled by classes
others could teach.

A group then sends ``ClassesProposal`` (discipline, day and start as a step of the week,
length) for each class it needs, to its counterparts in turn (those below their minimum
of classes first), the time chosen by its own small CP-SAT model over its timetable. The
professor answers by the document's utility, computed on its own timetable and private
preferences: 0 when the class breaks its timetable (a clash, an unavailable time, its
maximum of classes), else Δgoal × (priority weight × weighted priority + preference
weight × preference), Δgoal counting one class (1 while it holds fewer than its maximum,
else 0), the weighted priority the discipline's priority over the highest of its open
negotiations, the preference the share of the class's steps in its preferred times. At or
above its acceptance threshold (conceding with the negotiation's rounds), or when its own
model finds no time it likes better, it sends ``ClassesAcceptance``; else
``ClassesCounterProposal`` with its own model's best time; ``ClassesRejection`` when it
keeps its classes for others (not final) or is full or has no time left (final).

On acceptance the group books a classroom of the right kind and size from the classroom
agents (resource managers, one per classroom, that grant or refuse a booking) and
confirms with ``ClassesAcceptance``; the professor puts the class in its timetable (an
``ack``) or, if the time was taken meanwhile, counter-proposes. A counter-proposal that
does not fit the group, or for which no classroom is free, gets the group's own
counter-proposal. Once a discipline is placed, or cannot be, the group closes its other
negotiations of it (``NegotiationClosed``). A group that has nothing left to negotiate
reports its goal achievement, with the reason for every discipline left unassigned
(``GoalReport``). Once every group has reported, the coordinator re-opens negotiations
(``ReopenNegotiation``): chains of moves free a professor at its maximum for a class only
it can take, and professors short of their minimum take classes of others
(``repair.py``); then the episode ends (a real end, not a timer). Where the scenario lists
the students' choices, the coordinator first seats them in the groups, one at a time
(``AddStudent``, ``GroupIsFull``, ``RemoveStudent``; ``enrolment.py``). The episode's
metrics hold ``unassigned.<group>.<discipline>`` = 1 for each discipline left and
``reason.<group>.<discipline>: <reason>`` = 1.
"""

from __future__ import annotations

from typing import Any

from accord.contract import Capability, Cast, Domain, Protocol
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase
from accord.protocols.capacity import member_seed
from accord.protocols.classes.classroom import ClassroomAgent
from accord.protocols.classes.coordinator import Coordinator
from accord.protocols.classes.group import GroupAgent
from accord.protocols.classes.messages import KINDS
from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.professor import ProfessorAgent
from accord.runtime.agent import Agent


class ClassesProtocol(Protocol[ClassesOptions]):
    """The protocol object registered as ``classes``."""

    name = "classes"
    summary = ("the class scheduler's message flow: groups negotiate classes with "
               "professors, a coordinator widens scopes, classroom agents book rooms")
    options_type = ClassesOptions
    requires = frozenset({Capability.MEETINGS})
    messages = KINDS

    def cast(self, domain: Domain[Any], scenario: ScenarioBase, options: ClassesOptions,
             anchors: dict[str, Plan]) -> Cast:
        market = domain.meetings(scenario)
        # The director starts the episode at the managers in this order, one acknowledged
        # message after the other, and the coordinator's start sets the groups going: it
        # comes last, so that every professor and classroom has its episode start (which
        # resets it) before any group's message. Over NATS a group's proposition could
        # otherwise reach a professor before its episode start, which would wipe it.
        managers: list[Agent] = [ProfessorAgent(h, market.timekeepers[h.id], market, options,
                                                member_seed(scenario.seed, h.id))
                                 for h in market.hosts]
        managers += [ClassroomAgent(r) for r in market.rooms]
        managers.append(Coordinator(market, options))
        members = [GroupAgent(g, i, market, options, member_seed(scenario.seed, g))
                   for i, g in enumerate(market.parties)]
        return Cast(managers=managers, members=members)
