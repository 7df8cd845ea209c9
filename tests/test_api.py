"""The public API is small, explicit and complete."""

import accord


def test_all_is_complete_and_importable():
    for name in accord.__all__:
        assert hasattr(accord, name), name
    public = {n for n in dir(accord) if not n.startswith("_")} - {
        "app", "contract", "domains", "model", "protocols", "runtime", "store", "solve", "cli"}
    assert public <= set(accord.__all__)
