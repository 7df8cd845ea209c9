"""Runs started from the dashboard: an uploaded scenario, validated whole before anything
is stored, then run in a background thread against the dashboard's database."""

from __future__ import annotations

import threading
from dataclasses import dataclass, field
from typing import Any

from accord.app.registry import parse_scenario, parse_yaml, resolve
from accord.app.runner import run_scenario
from accord.model.errors import AccordError, ScenarioError
from accord.model.scenario import ScenarioBase

UPLOAD = "upload"
MAX_EPISODES = 1000


@dataclass
class Jobs:
    """The runs this server started, and the last error of each."""

    db: str
    threads: list[threading.Thread] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)

    def check(self, text: str, protocol: str | None, episodes: int | None,
              name: str = UPLOAD) -> ScenarioBase:
        """The uploaded scenario, validated with its protocol: a one-line error if not."""
        if not text.strip():
            raise ScenarioError(name, "", "the file is empty")
        sc = parse_scenario(parse_yaml(text, name), name)
        if protocol:
            resolve(sc, protocol, name, where="protocol")
        if episodes is not None and not 1 <= episodes <= MAX_EPISODES:
            raise ScenarioError(name, "episodes", f"must be 1..{MAX_EPISODES}, not {episodes}")
        return sc

    def start(self, sc: ScenarioBase, protocol: str | None, episodes: int | None,
              reference: bool) -> None:
        """Run the scenario in the background; its run appears in the store as it starts."""
        def work() -> None:
            try:
                run_scenario(sc, protocol=protocol, episodes=episodes, db=self.db,
                             reference=reference)
            except AccordError as exc:
                self.errors.append(str(exc))
            except Exception as exc:  # a failed run is stored as failed; keep the reason
                self.errors.append(f"{type(exc).__name__}: {exc}")

        t = threading.Thread(target=work, name=f"run-{sc.name}", daemon=True)
        self.threads.append(t)
        t.start()

    def status(self) -> dict[str, Any]:
        """How many started runs are still going, and the errors of those that failed."""
        return {"running": sum(t.is_alive() for t in self.threads), "errors": self.errors[-5:]}
