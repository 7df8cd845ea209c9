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


RULE_WEIGHTS = (7919, 4481, 6133, 2957, 3391)
"""Weights no message could hold by chance (the department keeps every rule with them)."""


def test_university_private_rules_never_leave_the_department(db):
    """The example's department rules, with weights found nowhere else: no rule's kind,
    field, teacher or weight appears in any message of a negotiation over them."""
    import re

    from accord.app.registry import load_scenario
    from accord.domains.university.scenario import UniversityScenario
    from tests.conftest import ROOT

    data = load_scenario(ROOT / "examples" / "university-private.yaml").model_dump(mode="json")
    rules = data["departments"][1]["private"]["rules"]
    for rule, weight in zip(rules, RULE_WEIGHTS, strict=True):
        rule["weight"] = weight
    res = run_scenario(UniversityScenario.model_validate(data), protocol="negotiate",
                       episodes=1, db=db)
    assert res.episodes[0].metrics["private.Physics.penalty"] == 0
    log = [m.to_json() for m in Store(db).messages(res.run_id, WIRE)]
    assert len(log) > 10
    words = {r["kind"] for r in rules} | {"rules", "weight", "periods", "last_period",
                                          "teacher", "Rossi", "Bianchi", "Private"}
    for text in log:
        assert not [w for w in words if w in text]
        assert not [w for w in RULE_WEIGHTS if re.search(rf"(?<![\d.]){w}(?![\d.])", text)]
