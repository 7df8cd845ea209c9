"""Runs started from the dashboard: an uploaded scenario, or data files through a domain's
importer, validated whole before anything is stored, then run in a background thread
against the dashboard's database."""

from __future__ import annotations

import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from accord.app.registry import DOMAINS, parse_scenario, parse_yaml, resolve
from accord.app.runner import run_scenario
from accord.model.errors import AccordError, ScenarioError
from accord.model.scenario import ScenarioBase, validation_error

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
        self._episodes(episodes, name)
        return sc

    @staticmethod
    def _episodes(episodes: int | None, name: str) -> None:
        if episodes is not None and not 1 <= episodes <= MAX_EPISODES:
            raise ScenarioError(name, "episodes", f"must be 1..{MAX_EPISODES}, not {episodes}")

    def imported(self, name: str, files: list[tuple[str, bytes]], options: dict[str, Any],
                 protocol: str | None, episodes: int | None) -> ScenarioBase:
        """A scenario from uploaded data files through a domain's importer (as ``accord
        import NAME FILE...`` with ``options`` as its flags): a one-line error if not."""
        found = {i.name: i for d in DOMAINS.values() for i in d.formats.importers}
        if name not in found:
            raise ScenarioError(UPLOAD, "importer", f"unknown importer {name!r} "
                                                    f"(known: {', '.join(sorted(found))})")
        if not files:
            raise ScenarioError(UPLOAD, "files", "choose a data file")
        importer = found[name]
        argument = next((f for f, info in importer.options.model_fields.items()
                         if isinstance(info.json_schema_extra, dict)
                         and info.json_schema_extra.get("argument")), None)
        with tempfile.TemporaryDirectory(prefix="accord-upload-") as tmp:
            paths = []
            for fname, content in files:
                path = Path(tmp) / Path(fname).name
                path.write_bytes(content)
                paths.append(path)
            values = dict(options)
            if argument is not None:
                many = "list" in str(importer.options.model_fields[argument].annotation)
                values[argument] = paths if many else paths[0]
            try:
                parsed = importer.options.model_validate(values)
            except ValidationError as exc:
                raise validation_error(name, exc) from None
            sc, _ = importer.read(parsed)
        if protocol:
            resolve(sc, protocol, name, where="protocol")
        self._episodes(episodes, name)
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
