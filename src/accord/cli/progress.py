"""The live display of ``accord run`` on a terminal: episodes done, and the episode under
way (phase, round, global cost as reported, seconds left); nothing in a pipe."""

from __future__ import annotations

from collections.abc import Iterable
from contextlib import AbstractContextManager, nullcontext
from typing import Any

from rich.console import Console, RenderableType
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from accord.app.progress import Snapshot, Watch


def describe(s: Snapshot) -> str:
    """One line: the episode under way as the watch sees it."""
    parts = [f"episode {s.episode}" if s.episode is not None else "", s.phase]
    if s.round is not None:
        parts.append(f"round {s.round}")
    if s.cost is not None:
        parts.append(f"cost {s.cost} (reported)")
    if s.seconds_left is not None:
        parts.append(f"{s.seconds_left:.0f} s left")
    parts.append(f"{s.messages} messages")
    if s.last_cost is not None:
        parts.append(f"last episode cost {s.last_cost}")
    return " · ".join(p for p in parts if p)


class _Display(Progress):
    """A progress bar of episodes whose text is read from the watch at each refresh."""

    def __init__(self, watch: Watch, title: str, total: int, console: Console) -> None:
        self.watch = watch
        self.task: TaskID | None = None
        super().__init__(TextColumn("[bold]{task.description}"), BarColumn(),
                         MofNCompleteColumn(), TimeElapsedColumn(),
                         TextColumn("{task.fields[now]}"), console=console, transient=True,
                         refresh_per_second=4)
        self.task = self.add_task(title, total=total, now="starting")

    def get_renderables(self) -> Iterable[RenderableType]:
        if self.task is not None:
            s = self.watch.snapshot()
            self.update(self.task, completed=s.done, now=describe(s))
        yield from super().get_renderables()


def live(watch: Watch, title: str, total: int, console: Console
         ) -> AbstractContextManager[Any]:
    """The display for the block on a terminal; nothing in a pipe or a file."""
    if not console.is_terminal:
        return nullcontext()
    return _Display(watch, title, total, console)
