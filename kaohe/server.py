"""What the platform changes in the ASGI server it runs in (Daphne, as deploy/ runs it)."""


def bodies_left_to_django() -> None:
    """Daphne's HTTP requests are Twisted's, and Twisted parses every multipart and form body of a
    POST into `request.args` before Daphne hands the raw body on: Daphne never reads those
    arguments, and Django parses the body again. For a snapshot burst that was a second parse of
    every upload in the event loop (Python's email parser: 5-6 % of the interpreter's samples at
    250 learners, within a run's noise in CPU per request, bench/study.py), and a body Twisted
    could not parse got an empty 400 and a closed connection instead of the platform's error. Twisted's `parsePOSTFormSubmission`
    (an argument of Request's constructor) turns it off; Daphne does not pass it, so it is given
    here. Without Daphne (a test client, another server) nothing changes."""
    try:
        from daphne.http_protocol import WebRequest
    except ImportError:
        return
    if getattr(WebRequest.__init__, "bodies_left_to_django", False):
        return
    daphnes = WebRequest.__init__

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("parsePOSTFormSubmission", False)
        daphnes(self, *args, **kwargs)

    __init__.bodies_left_to_django = True
    WebRequest.__init__ = __init__
