"""The layout's rules that import-linter cannot see: a lower app's templates and code never name a
higher app's URLs (a higher app adds its links through kernel.hooks)."""

import re
from pathlib import Path

import pytest
from django.conf import settings

LAYERS = ["kernel", "lms", "cms", "proctor", "hours", "exam"]  # lowest first; cms and proctor are peers
RANK = {"kernel": 0, "lms": 1, "cms": 2, "proctor": 2, "hours": 3, "exam": 4}
ROOT = Path(settings.BASE_DIR)
URL_IN_TEMPLATE = re.compile(r"""{%\s*url\s+['"](\w+):""")
URL_IN_CODE = re.compile(r"""(?:reverse|redirect|reverse_lazy)\(\s*['"](\w+):""")


def _files(app: str, pattern: str):
    return [path for path in (ROOT / app).rglob(pattern) if "migrations" not in path.parts]


@pytest.mark.parametrize("app", LAYERS)
def test_a_lower_app_names_no_higher_apps_url(app):
    offences = []
    for path in _files(app, "*.html"):
        for namespace in URL_IN_TEMPLATE.findall(path.read_text()):
            if namespace in RANK and RANK[namespace] > RANK[app]:
                offences.append(f"{path.relative_to(ROOT)} names {namespace}:")
    for path in _files(app, "*.py"):
        for namespace in URL_IN_CODE.findall(path.read_text()):
            if namespace in RANK and RANK[namespace] > RANK[app]:
                offences.append(f"{path.relative_to(ROOT)} names {namespace}:")
    assert not offences, offences


def test_the_shared_layout_names_only_the_accounts_pages():
    names = set(URL_IN_TEMPLATE.findall((ROOT / "frontend" / "templates" / "base.html").read_text()))
    assert names <= {"lms", "set_language"} | {""}, names
