"""Simulated annealing for university timetables, compiled with numba: ``arrays`` (the
problem as arrays), ``cost`` (the official cost, full and incremental), ``moves`` and
``search`` (the annealing)."""

from accord.domains.university.anneal.search import Annealed, Schedule, anneal, warm_up

__all__ = ["Annealed", "Schedule", "anneal", "warm_up"]
