"""Exceptions that carry a one-line message meant for the user."""


class NRStudioError(Exception):
    """Base of every error whose message can be shown to a user as it is."""


class DataError(NRStudioError):
    """A data file or table cannot be read or used; the message says what and where."""


class ProjectFileError(NRStudioError):
    """A project file cannot be read or written; the message is one line for the user."""


class Cancelled(NRStudioError):
    """The user cancelled a long operation."""

    def __init__(self, message: str = "cancelled by the user") -> None:
        super().__init__(message)
