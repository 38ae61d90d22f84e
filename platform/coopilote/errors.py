"""The one error type for domain refusals; interfaces turn it into a 400 or a form error."""

from __future__ import annotations

from django.core.exceptions import ValidationError


class ApplicationError(Exception):
    def __init__(self, message: str, *, errors: ValidationError | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.errors = errors

    @property
    def details(self) -> dict[str, list[str]]:
        if self.errors is None:
            return {}
        if hasattr(self.errors, "error_dict"):
            return {
                field: [str(m) for m in messages]
                for field, messages in self.errors.message_dict.items()
            }
        return {"non_field_errors": [str(m) for m in self.errors.messages]}
