"""The wire contract: message bodies inside a versioned envelope, and the closed union of a
run's kinds (``Wire``): the core kinds here, and those each protocol declares.

Every body is a small frozen pydantic model whose ``kind`` literal selects it; the
envelope repeats the kind so a router can dispatch without parsing the body. Bodies carry
usage, costs and public records only: never an agent's private constraints.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Annotated, Any, Literal, Union

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    SerializeAsAny,
    TypeAdapter,
    ValidationError,
    create_model,
    model_validator,
)

from accord.model.errors import one_line
from accord.model.plan import UsageEntry

ENVELOPE_VERSION = 1


class Body(BaseModel):
    """Base of every message body: immutable, no unknown fields."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class CommitmentRecord(BaseModel):
    """One ledger entry: ``debtor`` owes ``creditor`` ``amount`` (student-minutes, seats…)."""

    model_config = ConfigDict(extra="forbid")
    id: str
    debtor: str
    creditor: str
    amount: int
    created_episode: int
    due_episode: int
    status: Literal["open", "fulfilled", "violated"] = "open"
    fulfilled_episode: int | None = None
    times_missed: int = 0
    detail: dict[str, int] = Field(default_factory=dict)


# --- run control (director <-> agents) ---------------------------------------------------


class EpisodeStart(Body):
    """Director to a manager: negotiate this episode, with the ledger as it stands."""

    kind: Literal["episode_start"] = "episode_start"
    episode: int
    ledger: list[CommitmentRecord] = Field(default_factory=list)


class EpisodeDone(Body):
    """Manager to director: the episode is settled; ledger entries created or updated."""

    kind: Literal["episode_done"] = "episode_done"
    episode: int
    rounds: int
    ledger: list[CommitmentRecord] = Field(default_factory=list)
    metrics: dict[str, float] = Field(default_factory=dict)


class PlanQuery(Body):
    """Director to a scheduling agent: report the plan you hold for this episode."""

    kind: Literal["plan_query"] = "plan_query"
    episode: int


class PlanReport(Body):
    """A scheduling agent's agreed plan: its timetable and usage, not its constraints."""

    kind: Literal["plan_report"] = "plan_report"
    episode: int
    assignment: dict[str, Any]
    cost: int
    usage: list[UsageEntry]


class ErrorReply(Body):
    """Reply to a message that could not be handled (unknown kind, bad body, bad state)."""

    kind: Literal["error"] = "error"
    reason: str


class Ack(Body):
    """Plain acknowledgement."""

    kind: Literal["ack"] = "ack"


CORE_KINDS: tuple[type[Body], ...] = (EpisodeStart, EpisodeDone, PlanQuery, PlanReport,
                                      ErrorReply, Ack)
"""The kinds every run speaks: run control between the director and the agents."""


class Envelope(BaseModel):
    """What a bus carries: version, run, ids, addresses, kind and the typed body. Built by
    agents from a body; parsed from the wire by a ``Wire``, which knows the run's kinds."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    v: Literal[1] = 1
    run: str
    id: str
    sender: str
    recipient: str
    kind: str
    body: SerializeAsAny[Body]
    in_reply_to: str | None = None
    sent_at: float

    @model_validator(mode="after")
    def _kind_matches_body(self) -> Envelope:
        if self.kind != getattr(self.body, "kind", None):
            raise ValueError(f"envelope kind {self.kind!r} does not match body kind")
        return self

    def to_json(self) -> str:
        """The JSON text of the envelope: fields in their declared order, no spaces, so the
        same envelope always gives the same text (written by pydantic's serializer: four
        times faster than through Python dictionaries, which counts for messages of a
        megabyte)."""
        return self.model_dump_json()


class MalformedMessage(ValueError):
    """A message failed validation; ``reason`` is one line."""


class Wire:
    """The closed union of the message kinds of a run (the core kinds and those its
    protocols declare): parses wire data into envelopes, rejecting unknown kinds and
    malformed bodies, and publishes the JSON Schema."""

    def __init__(self, kinds: Iterable[type[Body]] = ()) -> None:
        self.kinds = tuple(dict.fromkeys((*CORE_KINDS, *kinds)))
        names = [k.model_fields["kind"].default for k in self.kinds]
        if len(set(names)) != len(names):
            raise ValueError(f"two message kinds share a name among {sorted(names)}")
        union = Annotated[Union[self.kinds], Field(discriminator="kind")]  # type: ignore[valid-type,name-defined] # noqa: UP007
        model = create_model("WireEnvelope", __base__=Envelope, body=(union, ...))
        self._adapter: TypeAdapter[Envelope] = TypeAdapter(model)

    def parse(self, data: bytes | str | dict[str, Any]) -> Envelope:
        """Validate raw wire data into an envelope, or raise MalformedMessage with one
        line."""
        try:
            if isinstance(data, dict):
                return self._adapter.validate_python(data)
            return self._adapter.validate_json(data)
        except ValidationError as exc:
            err = exc.errors()[0]
            loc = ".".join(str(p) for p in err["loc"]) or "envelope"
            raise MalformedMessage(one_line(f"{loc}: {err['msg']}")) from None

    def schema(self) -> dict[str, Any]:
        """The published JSON Schema of the envelope and every body kind."""
        schema = self._adapter.json_schema()
        schema["$id"] = f"https://accord.invalid/schema/envelope-v{ENVELOPE_VERSION}.json"
        schema["title"] = f"accord message envelope v{ENVELOPE_VERSION}"
        return schema
