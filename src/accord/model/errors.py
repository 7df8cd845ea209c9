"""Errors that reach the user as one line."""

from pathlib import Path

from accord.model.limits import COUNT_MAX


def one_line(text: str) -> str:
    """``text`` with its line breaks written as escapes (a user's input may hold some)."""
    return text.replace("\r", "\\r").replace("\n", "\\n")


class AccordError(Exception):
    """Base of every error accord reports to a user without a traceback."""


class ScenarioError(AccordError):
    """A scenario (or a data file) is invalid; the message names the file and the field."""

    def __init__(self, source: str, where: str, what: str) -> None:
        source, where, what = (one_line(x) for x in (source, where, what))
        self.source, self.where, self.what = source, where, what
        super().__init__(f"{source}: {where}: {what}" if where else f"{source}: {what}")


class StoreError(AccordError):
    """The run store cannot be opened or does not hold what was asked."""


class ProtocolError(AccordError):
    """A negotiation broke its own rules (stalled, unexpected message)."""


def read_text_file(path: str | Path) -> str:
    """The UTF-8 text of a user's file (a byte-order mark is dropped); an unreadable or
    binary file is a ScenarioError."""
    p = Path(path)
    try:
        return p.read_text(encoding="utf-8-sig")
    except OSError as exc:
        raise ScenarioError(str(p), "", f"cannot read file ({exc.strerror})") from None
    except UnicodeDecodeError:
        raise ScenarioError(str(p), "", "not a text file") from None


class LineErrors:
    """One-line errors about a numbered line of a user's text file."""

    def __init__(self, source: str) -> None:
        self.source = source

    def fail(self, line: int, what: str) -> ScenarioError:
        """The error naming the file and the line."""
        return ScenarioError(self.source, f"line {line}", what)

    def integer(self, line: int, token: str, what: str, minimum: int = 0,
                maximum: int = COUNT_MAX) -> int:
        """``token`` as a whole number from ``minimum`` to ``maximum``."""
        try:
            value = int(token)
        except ValueError:
            raise self.fail(line, f"{what}: {token!r} is not a whole number") from None
        if value < minimum:
            raise self.fail(line, f"{what}: {value} is below {minimum}")
        if value > maximum:
            raise self.fail(line, f"{what}: {value} is above {maximum}")
        return value
