"""No classroom's private data ever appears in a message."""

from __future__ import annotations

import pytest

from accord.app.registry import wire
from accord.app.runner import run_scenario
from accord.domains.dismissal.scenario import (
    Bottleneck,
    Classroom,
    ClassroomPrivate,
    DismissalScenario,
)
from accord.store import Store

WIRE = wire()
"""Every message kind the registered protocols speak."""

PRIVATE_FIELDS = ("acceptable_offsets", "may_split", "willingness", "reluctance", "private")


@pytest.mark.parametrize("protocol", ["negotiate", "seed-offers"])
def test_message_log_holds_no_private_data(protocol, db):
    sc = DismissalScenario(
        name="secret", seed=5,
        bottlenecks=[Bottleneck(id="B", capacity_per_minute=40, batch_minutes=2)],
        classrooms=[
            Classroom(id="C1", attendance=60, private=ClassroomPrivate(
                acceptable_offsets=[0, 2, 4], willingness=0.6137, reluctance=1.3791)),
            Classroom(id="C2", attendance=45, private=ClassroomPrivate(
                may_split=False, willingness=0.8263, reluctance=0.4417)),
            Classroom(id="C3", attendance=80, private=ClassroomPrivate(
                acceptable_offsets=[-6, -4, -2, 0], willingness=0.9021, reluctance=2.7713)),
        ])
    res = run_scenario(sc, protocol=protocol, episodes=3, db=db)
    log = [m.to_json() for m in Store(db).messages(res.run_id, WIRE)]
    assert len(log) > 20
    for text in log:
        for name in PRIVATE_FIELDS:
            assert name not in text
        for value in ("0.6137", "1.3791", "0.8263", "0.4417", "0.9021", "2.7713"):
            assert value not in text
        assert "[-6,-4,-2,0]" not in text and "[0,2,4]" not in text
