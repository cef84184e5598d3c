"""The loops: generate candidates, check them in the sandbox, feed failures back, keep the best."""
from dcode.loops.candidates import Candidate
from dcode.loops.events import Event, OnEvent
from dcode.loops.solve import Budget, SolveOptions, SolveResult, solve

__all__ = ["Budget", "Candidate", "Event", "OnEvent", "SolveOptions", "SolveResult", "solve"]
