"""Protocol options that an imported university scenario stores."""

from __future__ import annotations

import os
from typing import Any


def protocol_options(budget: float, departments: int) -> dict[str, dict[str, Any]]:
    """The options of each protocol for a wall-time budget in seconds;
    ``negotiate-sync`` is ``negotiate`` one department at a time, ``negotiate-async`` each
    department on its own (see ``NegotiateOptions.mode``).

    A department's solve gets 6 units of work at K = 4 (2, 4, 6 and 8 were tried; 4–8 beat
    2), scaled by 4 / K so that a round of all departments costs the same whatever K.
    Priced rounds start below the least a lecture's move gains otherwise (a working day
    costs 5, two curricula's compactness 4) and double, so that within eight rounds the
    price passes what any one lecture's place is worth to a department; as many
    departments re-plan at once as the machine has cores."""
    work = 24.0 / departments
    negotiate = {"wishes": "priced", "time_budget": budget, "solve_time_limit": work,
                 "grant_order": "listed", "refusal_batch": 1,
                 "price_rounds": 8, "price_start": 4,
                 "price_batch": os.cpu_count() or 1, "swaps": True}
    return {"central": {"time_limit": budget, "workers": 2},
            "negotiate": negotiate | {"mode": "concurrent"},
            "negotiate-sync": negotiate | {"mode": "synchronized"},
            "negotiate-async": negotiate | {"mode": "asynchronous",
                                            "solvers": os.cpu_count() or 1},
            "first-commit": {"solve_time_limit": work, "by_hand": True,
                             "time_budget": budget}}
