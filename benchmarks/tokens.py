"""Bidding with tokens, measured on the university and the nursing benchmarks.

For each scenario, the protocol runs without bidding and with each combination of
``bids`` (resource-wide, binary) and ``allowance`` (fixed, difficulty), all else equal
(``negotiate`` with the imported options on ITC-2007 split into K departments;
``transport`` concurrent on the seed's toy hospital), under one wall-time budget. Prints
hard violations, global cost and its ratio to no bidding, tokens spent, and the spread of
local quality: each agent's loss (its final local cost less its cost alone, before the
sharing placed it), their mean, max and max − min (who pays), and how many agents lost
less than without bidding (who gains).

    python benchmarks/tokens.py                                  # comp01–07 K=4, toy 1–3
    python benchmarks/tokens.py --instances comp01 --seeds '' --budget 20
    python benchmarks/tokens.py --json reports/tokens.json --markdown reports/tokens.md
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import typer
from rich.console import Console

import report
from accord.app.runner import run_scenario
from accord.domains.nursing.generate import generate
from accord.domains.university import protocol_options
from accord.domains.university.itc2007 import read_ctt
from accord.domains.university.split import split
from accord.model.plan import Plan
from accord.model.scenario import ScenarioBase

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "data" / "itc2007"
VARIANTS: dict[str, dict[str, Any]] = {
    "none": {},
    "wide/fixed": {"bids": "resource-wide", "allowance": "fixed"},
    "binary/fixed": {"bids": "binary", "allowance": "fixed"},
    "wide/difficulty": {"bids": "resource-wide", "allowance": "difficulty"},
    "binary/difficulty": {"bids": "binary", "allowance": "difficulty"},
}
COLUMNS = ["instance", "protocol", "hard", "cost", "÷ none", "tokens spent", "mean loss",
           "max loss", "loss spread", "gain vs none", "wall s"]

console = Console(width=200)


def losses(alone: dict[str, float], plans: dict[str, Plan]) -> dict[str, float]:
    """Each agent's final local cost less its cost alone (the ``alone.<agent>`` metrics)."""
    return {a.split(".", 1)[1]: plans[a.split(".", 1)[1]].cost - v
            for a, v in alone.items() if a.startswith("alone.") and a.split(".", 1)[1] in plans}


def run_variants(label: str, sc: ScenarioBase, protocol: str, base: dict[str, Any],
                 tokens: int, workdir: Path) -> list[dict[str, Any]]:
    """One row per bidding variant of ``protocol`` on ``sc``."""
    rows: list[dict[str, Any]] = []
    for name, variant in VARIANTS.items():
        options = base | ({"tokens": tokens} | variant if variant else {})
        s = sc.model_copy(update={"protocol_options": {protocol: options}})
        db = str(workdir / f"{label}-{name.replace('/', '-')}.db")
        e = run_scenario(s, protocol=protocol, episodes=1, db=db).episodes[0]
        loss = losses(e.metrics, e.plans)
        spent = sum(v for k, v in e.metrics.items() if k.endswith("tokens_spent"))
        rows.append({"instance": label, "protocol": name, "tokens": tokens if variant else 0,
                     "hard_violations": e.hard_violations, "cost": e.cost,
                     "tokens_spent": spent, "loss": loss, "wall_seconds": e.wall_seconds})
        console.print(f"  {label} {name:18} cost {e.cost} ({e.hard_violations} hard), "
                      f"{spent:g} tokens spent, in {e.wall_seconds:.1f} s")
    plain = rows[0]
    for r in rows:
        values = list(r["loss"].values()) or [0.0]
        r["ratio_none"] = r["cost"] / plain["cost"] if plain["cost"] else None
        r["mean_loss"], r["max_loss"] = sum(values) / len(values), max(values)
        r["loss_spread"] = max(values) - min(values)
        r["gainers"] = sum(r["loss"][a] < v for a, v in plain["loss"].items() if a in r["loss"])
    return rows


def cells(r: dict[str, Any]) -> list[str]:
    """A row's cells, in ``COLUMNS`` order."""
    return [r["instance"], r["protocol"], str(r["hard_violations"]), str(r["cost"]),
            report.opt(r["ratio_none"], "{:.3f}"), f"{r['tokens_spent']:g}",
            f"{r['mean_loss']:.1f}", f"{r['max_loss']:g}", f"{r['loss_spread']:g}",
            f"{r['gainers']}/{len(r['loss'])}", f"{r['wall_seconds']:.1f}"]


def main(
    instances: str = typer.Option("comp01,comp02,comp03,comp04,comp05,comp06,comp07",
                                  help="ITC-2007 instances, comma-separated (empty: none)"),
    k: int = typer.Option(4, help="departments"),
    seeds: str = typer.Option("1,2,3", help="toy hospital seeds (empty: none)"),
    budget: float = typer.Option(60.0, help="wall seconds per run"),
    university_tokens: int = typer.Option(10, help="tokens per department and episode"),
    nursing_tokens: int = typer.Option(30, help="tokens per ward and episode"),
    json_out: Path = typer.Option(None, "--json", help="write the rows as JSON"),
    markdown_out: Path = typer.Option(None, "--markdown", help="write the table as Markdown"),
) -> None:
    """Run every bidding variant on every scenario and print the table."""
    report.outputs(json=json_out, markdown=markdown_out)
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as tmp:
        for name in filter(None, instances.split(",")):
            sc, _ = split(read_ctt(DATA / f"{name}.ctt"), k)
            base = protocol_options(budget, k)["negotiate"]
            rows += run_variants(f"{name} K={k}", sc, "negotiate", base, university_tokens,
                                 Path(tmp))
        for seed in filter(None, seeds.split(",")):
            sc = generate(seed=int(seed))
            base = {"mode": "concurrent", "time_budget": budget}
            rows += run_variants(f"toy seed {seed}", sc, "transport", base, nursing_tokens,
                                 Path(tmp))
    console.print(report.table("bidding with tokens", COLUMNS, rows, cells))
    report.write(console, rows, json_out, markdown_out, report.markdown(COLUMNS, rows, cells))


if __name__ == "__main__":
    typer.run(main)
