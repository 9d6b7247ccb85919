"""What every app's API shares: the error body and the statuses that carry it."""

from ninja import Schema


class ErrorOut(Schema):
    code: str
    message: str


ERROR_RESPONSES = {400: ErrorOut, 401: ErrorOut, 403: ErrorOut, 404: ErrorOut, 409: ErrorOut, 429: ErrorOut}
