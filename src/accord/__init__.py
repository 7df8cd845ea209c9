"""accord: distributed timetabling by negotiating agents.

Each part of an organisation is an agent that solves its own timetable with CP-SAT and
negotiates shared resources with the others through typed messages.
"""

from accord.app.registry import load_scenario
from accord.app.runner import RunResult, run_scenario
from accord.model.errors import AccordError, ScenarioError
from accord.model.plan import Plan, UsageEntry
from accord.model.scenario import ScenarioBase

__version__ = "0.1.0"

__all__ = [
    "AccordError",
    "Plan",
    "RunResult",
    "ScenarioBase",
    "ScenarioError",
    "UsageEntry",
    "__version__",
    "load_scenario",
    "run_scenario",
]
