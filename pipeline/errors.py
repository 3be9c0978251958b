"""Every error precis reports to a user, in one place.

Each error carries a short code (as spaCy does) so a message can be looked up and
grepped for in logs. Only ``pipeline.cli`` turns these into exit codes.
"""

from __future__ import annotations


class PrecisError(Exception):
    """Base class: a problem precis can explain to the user without a traceback."""

    code = "E000"
    exit_code = 2

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return f"[{self.code}] {self.message}"


class UsageError(PrecisError):
    """The command line is wrong: an unknown command or option, a bad or missing value."""

    code = "E010"


class ConfigError(PrecisError):
    """A config file, key or value is wrong."""

    code = "E100"


class InputError(PrecisError):
    """An article can't be read: missing, empty, binary or undecodable."""

    code = "E200"


class ModelUnavailable(PrecisError):
    """A model can't be loaded: not cached and the Hub can't be reached, or not a model."""

    code = "E300"


class OutputError(PrecisError):
    """An output can't be written: a file where a folder should be, no permission, a full disk, closed stdout."""

    code = "E700"


class StageError(PrecisError):
    """A stage broke its contract (returned something other than Documents)."""

    code = "E400"


class UnsupportedLanguage(InputError):
    """An article is confidently in another language than the one precis translates (batch jobs)."""

    code = "E210"


class ArticleTooLarge(InputError):
    """An article is over the batch job's size limit."""

    code = "E220"


class StageFailed(PrecisError):
    """A stage raised an unexpected error on an article; a batch job records it and goes on."""

    code = "E410"


class ArticleTimeout(StageFailed):
    """An article took longer than the batch job's per-article time limit; the run goes on without it."""

    code = "E430"


class LockError(PrecisError):
    """A batch output folder is in use by another run, or can't be locked."""

    code = "E500"


class EngineError(PrecisError):
    """The batch engine can't run: Ray not installed, can't start or connect, or lost its workers."""

    code = "E600"
