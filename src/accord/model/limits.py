"""The ranges every number a user gives accord stays within."""

COUNT_MAX = 10**9
"""The largest count a scenario holds (students, seats, lectures, cover, minutes, costs).
CP-SAT works in 64-bit integers and its models sum products of counts (students ×
minutes, cabs × cost); with every count at most 10^9 such sums stay far inside 2^63, and
no organisation comes near it."""

SEED_MIN, SEED_MAX = -(2**63), 2**63 - 1
"""A seed is a signed 64-bit integer: what the store (SQLite, PostgreSQL BIGINT) holds."""
