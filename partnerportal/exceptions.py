"""Business-rule failures raised by services and turned into clear messages by views."""

from django.core.exceptions import PermissionDenied


class ApplicationError(Exception):
    """A business rule refused the action; `message` is safe to show the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidTransition(ApplicationError):
    """The object is not in a state that allows this action (often: someone acted first).

    `current_status` names the state the object is in now, so that the API can answer
    409 with it and a page can say what happened.
    """

    def __init__(self, message: str, *, field: str | None = None,
                 current_status: str | None = None) -> None:
        super().__init__(message, field=field)
        self.current_status = current_status


class NotAllowed(ApplicationError, PermissionDenied):
    """The actor's role or the organization's program status forbids the action."""
