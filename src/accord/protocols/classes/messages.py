"""The message kinds of ``classes``: the document's message flow (class names are the
document's message names; kinds are their snake_case wire names), plus the few it implies
but does not name (the coordinator's extra scope, classroom bookings, a closed
negotiation, a group's final report). They carry disciplines, times, counts, priorities
and reasons: never a professor's preferences or unavailable times, nor a student list.

Times are steps of the week (``day × steps_per_day + step``)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from accord.model.messages import Body


class _Subject(BaseModel):
    """The fields of a message about one negotiation: its discipline and kind of class."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    discipline: str
    lesson: str = Field(default="lecture", description="lecture or lab")


class StartSearchingProfessors(Body):
    """Coordinator to a group: search professors for your disciplines among ``scope``
    (the full-time professors)."""

    kind: Literal["start_searching_professors"] = "start_searching_professors"
    scope: list[str]


class AddStudent(Body):
    """Coordinator to a group, at run time: seat this student, who chose ``discipline``
    (one student at a time; no group's roster ever travels)."""

    kind: Literal["add_student"] = "add_student"
    student: str
    discipline: str
    episode: int = 0


class StudentAdded(Body):
    """Group to coordinator: seated."""

    kind: Literal["student_added"] = "student_added"


class GroupIsFull(Body):
    """Group to coordinator: every seat is taken; place the student elsewhere."""

    kind: Literal["group_is_full"] = "group_is_full"
    seats: int


class RemoveStudent(Body):
    """Coordinator to a group: the student dropped the discipline; free the seat (an
    ``ack``)."""

    kind: Literal["remove_student"] = "remove_student"
    student: str
    discipline: str
    episode: int = 0


class NegotiationProposition(Body, _Subject):
    """Group to a professor in scope: negotiate ``count`` classes of this discipline?"""

    kind: Literal["negotiation_proposition"] = "negotiation_proposition"
    count: int = 1
    counterparts: int | None = Field(default=None, description="a re-opened negotiation: "
                                     "the professors able to teach it (no "
                                     "``CounterpartsFound`` follows)")


class NegotiationAcceptance(Body, _Subject):
    """Professor to group: I can teach it; the negotiation is open."""

    kind: Literal["negotiation_acceptance"] = "negotiation_acceptance"


class NegotiationRejection(Body, _Subject):
    """Professor to group: I cannot teach it."""

    kind: Literal["negotiation_rejection"] = "negotiation_rejection"
    reason: str


class ExtraScopeRequest(Body, _Subject):
    """Group to coordinator: every professor in scope rejected; widen my scope."""

    kind: Literal["extra_scope_request"] = "extra_scope_request"


class ExtraScope(Body):
    """Coordinator to group: the extra scope (the part-time professors)."""

    kind: Literal["extra_scope"] = "extra_scope"
    scope: list[str]


class NoCounterpartFound(Body, _Subject):
    """Group to coordinator: not even the extra scope can teach it."""

    kind: Literal["no_counterpart_found"] = "no_counterpart_found"
    reason: str


class CounterpartsFound(Body, _Subject):
    """Group to each professor that accepted: ``n`` professors accepted."""

    kind: Literal["counterparts_found"] = "counterparts_found"
    n: int


class DisciplinePriorityEstablished(Body, _Subject):
    """Professor to group, re-established whenever it changes (a negotiation opens or
    closes, the professor takes a class or fills up): the discipline's priority (groups
    that chose it / professors able to teach it), whether the professor takes a proposal
    now (``open``), whether it never will again (``closed``, with the reason), and the
    classes it still lacks for its minimum and may still take."""

    kind: Literal["discipline_priority_established"] = "discipline_priority_established"
    priority: float
    open: bool
    closed: bool = False
    reason: str = ""
    short: int = 0
    free: int | None = None


class DisciplinePriorityRequest(Body, _Subject):
    """Group to professor, in the synchronized mode at the start of each of its turns:
    establish this discipline's priority for me now (answered with
    ``DisciplinePriorityEstablished``; nothing is pushed in that mode)."""

    kind: Literal["discipline_priority_request"] = "discipline_priority_request"


class NegotiationTurn(Body):
    """Coordinator to group, in the synchronized mode: your turn to negotiate one class;
    ``final``: a whole round passed without a change, so place what you can now and give
    up the rest."""

    kind: Literal["negotiation_turn"] = "negotiation_turn"
    final: bool = False


class TurnEnded(Body):
    """Group to coordinator, in the synchronized mode: my turn is over; ``progress``: a
    class was placed, or a negotiation closed or failed."""

    kind: Literal["turn_ended"] = "turn_ended"
    progress: bool


class ClassesProposal(Body, _Subject):
    """Group to professor: a class from ``start`` for ``minutes``, in negotiation round
    ``round``."""

    kind: Literal["classes_proposal"] = "classes_proposal"
    start: int
    minutes: int
    round: int = 0


class ClassesAcceptance(Body, _Subject):
    """Either way: the class at ``start`` is accepted. From the group after it booked
    ``classroom``: a confirmation the professor answers with an ``ack`` (the class is in
    its timetable) or a counter-proposal (the time was taken meanwhile)."""

    kind: Literal["classes_acceptance"] = "classes_acceptance"
    start: int
    minutes: int
    classroom: str = ""


class ClassesCounterProposal(Body, _Subject):
    """Either way: not that time; this one instead (the sender's best by its own model)."""

    kind: Literal["classes_counter_proposal"] = "classes_counter_proposal"
    start: int
    minutes: int
    round: int = 0


class ClassesRejection(Body, _Subject):
    """Professor to group: no class of this negotiation now (``final``: nor later)."""

    kind: Literal["classes_rejection"] = "classes_rejection"
    reason: str
    final: bool


class NegotiationClosed(Body, _Subject):
    """Group to a professor it negotiated with: this discipline needs nothing more of you."""

    kind: Literal["negotiation_closed"] = "negotiation_closed"
    reason: str


class BookClassroom(Body):
    """Group to a classroom agent: book the steps from ``start`` for ``steps``."""

    kind: Literal["book_classroom"] = "book_classroom"
    start: int
    steps: int
    size: int
    lesson: str = "lecture"


class ClassroomBooked(Body):
    """Classroom agent to group: booked."""

    kind: Literal["classroom_booked"] = "classroom_booked"
    start: int


class BookingRefused(Body):
    """Classroom agent to group: not booked, and why."""

    kind: Literal["booking_refused"] = "booking_refused"
    reason: str


class ReleaseClassroom(Body):
    """Group to classroom agent: release the booking from ``start``."""

    kind: Literal["release_classroom"] = "release_classroom"
    start: int
    steps: int


class GoalReport(Body):
    """Group to coordinator, once nothing is left to negotiate: its goal achievement
    (minutes placed of minutes required) and, per discipline left, the reason."""

    kind: Literal["goal_report"] = "goal_report"
    achieved: bool
    placed_minutes: int
    required_minutes: int
    unassigned: dict[str, str] = Field(default_factory=dict)


class ReopenNegotiation(Body, _Subject):
    """Coordinator to a group, once every group has reported: negotiate one class of this
    discipline with ``professor`` (re-opening a negotiation); ``release``: the professor
    whose class of it the new one replaces (released once the new one is placed), so that
    a professor at its maximum is freed for a class only it can take, or one short of its
    minimum gets a class. Answered with ``NegotiationReopened``."""

    kind: Literal["reopen_negotiation"] = "reopen_negotiation"
    professor: str
    release: str = ""


class NegotiationReopened(Body):
    """Group to coordinator: whether the class was placed with the new professor (and the
    old one released), and the group's goal now."""

    kind: Literal["negotiation_reopened"] = "negotiation_reopened"
    placed: bool
    goal: GoalReport


class ClassReleased(Body, _Subject):
    """Group to a professor: its class from ``start`` is released (another professor
    took it); answered with an ``ack``."""

    kind: Literal["class_released"] = "class_released"
    start: int
    minutes: int


class HeldClass(BaseModel):
    """A class a professor holds: its group and discipline (no time, no student)."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    group: str
    discipline: str
    lesson: str = "lecture"


class ProfessorGoalQuery(Body):
    """Coordinator to each professor once every group has reported: your goal?"""

    kind: Literal["professor_goal_query"] = "professor_goal_query"


class ProfessorGoalReport(Body):
    """Professor to coordinator: the classes it holds against its minimum and maximum;
    its goal is achieved when it holds at least its minimum."""

    kind: Literal["professor_goal_report"] = "professor_goal_report"
    held: int
    min_classes: int
    max_classes: int | None = None
    achieved: bool
    classes: list[HeldClass] = Field(default_factory=list)


KINDS: tuple[type[Body], ...] = (
    StartSearchingProfessors, NegotiationProposition, NegotiationAcceptance,
    NegotiationRejection, ExtraScopeRequest, ExtraScope, NoCounterpartFound,
    CounterpartsFound, DisciplinePriorityEstablished, ClassesProposal, ClassesAcceptance,
    ClassesCounterProposal, ClassesRejection, NegotiationClosed, BookClassroom,
    ClassroomBooked, BookingRefused, ReleaseClassroom, GoalReport, DisciplinePriorityRequest,
    NegotiationTurn, TurnEnded, ProfessorGoalQuery, ProfessorGoalReport, ReopenNegotiation,
    NegotiationReopened, ClassReleased, AddStudent, StudentAdded, GroupIsFull, RemoveStudent)
