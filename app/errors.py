"""The error vocabulary of HTTP.md: every error the BFF produces carries one of these codes.

Two families: `RequestError` refuses the whole request before execution (it
owns an HTTP status), `FieldError` fails one field during execution (it
becomes an entry in `errors[]` and the field is null).
"""

from __future__ import annotations

from typing import Any

BAD_REQUEST = "BAD_REQUEST"
GRAPHQL_PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
GRAPHQL_VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
BAD_USER_INPUT = "BAD_USER_INPUT"
PAYLOAD_TOO_LARGE = "PAYLOAD_TOO_LARGE"
SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
UNAUTHENTICATED = "UNAUTHENTICATED"
FORBIDDEN = "FORBIDDEN"
DEPENDENCY_TIMEOUT = "DEPENDENCY_TIMEOUT"
DEPENDENCY_UNAVAILABLE = "DEPENDENCY_UNAVAILABLE"
DEPENDENCY_ERROR = "DEPENDENCY_ERROR"
CIRCUIT_OPEN = "CIRCUIT_OPEN"
DEADLINE_EXCEEDED = "DEADLINE_EXCEEDED"
INTERNAL_SERVER_ERROR = "INTERNAL_SERVER_ERROR"
COST_ESTIMATED_TOO_EXPENSIVE = "COST_ESTIMATED_TOO_EXPENSIVE"
MAX_DEPTH_LIMIT = "MAX_DEPTH_LIMIT"
MAX_ALIASES_LIMIT = "MAX_ALIASES_LIMIT"
MAX_ROOT_FIELDS_LIMIT = "MAX_ROOT_FIELDS_LIMIT"
MAX_TOKENS_LIMIT = "MAX_TOKENS_LIMIT"
THROTTLED = "THROTTLED"

RETRYABLE = {
    DEPENDENCY_TIMEOUT: True,
    DEADLINE_EXCEEDED: True,
    DEPENDENCY_UNAVAILABLE: True,
    CIRCUIT_OPEN: True,
    DEPENDENCY_ERROR: False,
}


class RequestError(Exception):
    """Refuses the request as a whole; `status` is the HTTP status it keeps.

    `status_json` is the status under `Accept: application/json` when the
    contract lets that media type answer 200 (parse and validation errors);
    None means the status holds whatever the Accept.
    """

    def __init__(
        self,
        code: str,
        message: str,
        status: int = 400,
        *,
        status_json: int | None = None,
        headers: dict[str, str] | None = None,
        extensions: dict[str, Any] | None = None,
        locations: list[dict[str, int]] | None = None,
        response_extensions: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.status = status
        self.status_json = status_json
        self.headers = headers or {}
        self.extensions = extensions or {}
        self.locations = locations
        self.response_extensions = response_extensions

    def as_graphql_error(self) -> dict[str, Any]:
        error: dict[str, Any] = {"message": self.message}
        if self.locations:
            error["locations"] = self.locations
        error["extensions"] = {"code": self.code, **self.extensions}
        return error


class FieldError(Exception):
    """Fails one field; its message and extensions are safe to show to clients."""

    code = INTERNAL_SERVER_ERROR

    def __init__(self, message: str, code: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if code is not None:
            self.code = code

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code}


class UserInputError(FieldError):
    code = BAD_USER_INPUT


class Unauthenticated(FieldError):
    code = UNAUTHENTICATED

    def __init__(self, message: str = "Sign in to do this.") -> None:
        super().__init__(message)


class DependencyError(FieldError):
    """An upstream component failed; the field degrades with a coded error.

    The message names only the client-facing component, never a host, URL,
    upstream body or stack trace.
    """

    _MESSAGES = {
        DEPENDENCY_TIMEOUT: "The {component} service did not answer in time.",
        DEADLINE_EXCEEDED: "The request's deadline ran out before {component} answered.",
        DEPENDENCY_UNAVAILABLE: "The {component} service is unavailable.",
        DEPENDENCY_ERROR: "The {component} service gave an unexpected answer.",
        CIRCUIT_OPEN: "The {component} service is failing; calls are paused.",
    }

    def __init__(
        self, component: str, code: str, detail: str = "", *, message: str | None = None
    ) -> None:
        super().__init__(message or self._MESSAGES[code].format(component=component), code)
        self.component = component
        self.retryable = RETRYABLE[code]
        self.detail = detail  # for logs only

    def extensions(self) -> dict[str, Any]:
        return {"code": self.code, "component": self.component, "retryable": self.retryable}
