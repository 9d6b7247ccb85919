"""What a page hands its browser script (docs/interface.md, "Browser scripts").

A view builds the page's config (URLs, WebSocket paths, close codes, translated words) and the
template writes it with `{{ config|json_script:"kaohe-config" }}`; the script reads it with
`Kaohe.config()` and never spells a URL itself.
"""

from django.urls import reverse

# Digits pass every path converter a URL here uses (int, str, slug), and a number this long sits
# in no real path; all have the same length, so none is a prefix of another.
_SENTINEL_BASE = 9_000_000_000_000_000_000


def url_template(viewname: str, /, **placeholders: str) -> str:
    """reverse() for a URL with parts the script learns only later (a session it opens, a row it
    draws). Each keyword names a URL argument and the placeholder the script fills in with
    `Kaohe.url(template, values)`:

        url_template("api:heartbeat", session_id="session") == "/api/study/sessions/{session}/heartbeats"
    """
    sentinels = {argument: str(_SENTINEL_BASE + index) for index, argument in enumerate(placeholders)}
    url = reverse(viewname, kwargs=sentinels)
    for argument, sentinel in sentinels.items():
        if sentinel not in url:
            raise ValueError(f"{viewname}: the argument {argument!r} does not appear in its path")
        url = url.replace(sentinel, "{" + placeholders[argument] + "}")
    return url
