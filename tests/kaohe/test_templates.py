"""The project's templates are ready for a Content-Security-Policy without 'unsafe-inline': code
lives in static scripts, data in json_script blocks (docs/interface.md, "Browser scripts")."""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
APPS = ["cms", "exam", "frontend", "hours", "kernel", "lms", "proctor"]
TEMPLATES = sorted(path for app in APPS for path in (ROOT / app).glob("**/templates/**/*.html"))

SCRIPT = re.compile(r"<script\b([^>]*)>(.*?)</script\s*>", re.IGNORECASE | re.DOTALL)
HANDLER = re.compile(r"<[a-zA-Z][^>]*?\son[a-z]+\s*=", re.IGNORECASE)


def _name(path: Path) -> str:
    return str(path.relative_to(ROOT))


def test_the_templates_are_found():
    assert len(TEMPLATES) > 30, TEMPLATES
    assert ROOT / "exam/templates/exam/room/room.html" in TEMPLATES


@pytest.mark.parametrize("path", TEMPLATES, ids=_name)
def test_no_template_carries_inline_code(path):
    source = path.read_text()
    for attributes, body in SCRIPT.findall(source):
        data = re.search(r"""type\s*=\s*["']application/json["']""", attributes)
        assert data or ("src=" in attributes and not body.strip()), f"inline script in {_name(path)}: {body[:80]!r}"
    assert not HANDLER.search(source), f"inline event handler in {_name(path)}: {HANDLER.search(source).group(0)!r}"
    assert "javascript:" not in source.lower(), f"javascript: URL in {_name(path)}"


def test_the_scripts_take_their_urls_and_close_codes_from_the_page():
    scripts = ROOT / "frontend" / "static" / "frontend"
    for path in sorted(scripts.glob("*.js")):
        source = re.sub(r"(^|\s)//.*$", "", path.read_text(), flags=re.MULTILINE)  # comments may show examples
        # A path the platform serves, spelled in a script, would not follow the URLconf.
        assert not re.search(r"""["'`]/(api|ws|exam|hours|identity)/""", source), path.name
        assert not re.search(r"\b4[0-9]{3}\b", source), f"a close code spelled in {path.name}"
