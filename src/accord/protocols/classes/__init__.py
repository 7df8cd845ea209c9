"""``classes``: the message flow of the source document's class scheduler."""

from accord.protocols.classes.options import ClassesOptions
from accord.protocols.classes.protocol import ClassesProtocol

__all__ = ["ClassesOptions", "ClassesProtocol"]
