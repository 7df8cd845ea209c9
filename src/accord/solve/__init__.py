"""CP-SAT helpers shared by local problems and centralised reference solvers."""
