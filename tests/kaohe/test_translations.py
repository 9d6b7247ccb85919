"""The Simplified Chinese catalogue is complete, keeps its placeholders and is compiled.

The .po is parsed by hand (the standard library has no .po reader and polib is not a dependency).
No database is needed.
"""

import ast
import re
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

PO_PATH = Path(settings.BASE_DIR) / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
MO_PATH = PO_PATH.with_suffix(".mo")

# %(name)s, %(count)d, ... (blocktranslate turns {{ name }} into %(name)s), and {{ name }} itself.
NAMED = re.compile(r"%\((\w+)\)[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")
TEMPLATE_VARIABLE = re.compile(r"\{\{\s*([\w.]+)\s*\}\}")
POSITIONAL = re.compile(r"%[-#0 +]*\d*(?:\.\d+)?[sdifrxXeEgGc]")


@dataclass
class Entry:
    line: int
    msgctxt: str | None = None
    msgid: str = ""
    msgid_plural: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)

    def __str__(self) -> str:
        return f"line {self.line}: {self.msgid!r}"


def _unquote(text: str) -> str:
    # A .po string literal uses C escapes, which a Python string literal reads the same way.
    return ast.literal_eval(text.strip())


def parse_po(path: Path) -> list[Entry]:
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which field the continuation lines extend
    pending_flags: set[str] = set()
    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        if not line:
            current, target = None, None
            continue
        if line.startswith("#~"):  # obsolete entry: gettext ignores it
            continue
        if line.startswith("#,"):
            pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        if line.startswith("#"):
            continue
        match = re.match(r"^(msgctxt|msgid_plural|msgid|msgstr)(?:\[(\d+)\])?\s+(\".*\")$", line)
        if match:
            keyword, index, literal = match.group(1), match.group(2), match.group(3)
            # An entry starts at its msgctxt, or at its msgid unless a msgctxt just opened it.
            if keyword == "msgctxt" or (keyword == "msgid" and (current is None or current.msgstr)):
                current = Entry(line=number, flags=pending_flags)
                pending_flags = set()
                entries.append(current)
            assert current is not None, f"{path}:{number}: {keyword} outside an entry"
            value = _unquote(literal)
            if keyword == "msgstr":
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            else:
                setattr(current, keyword, value)
                target = (keyword, None)
            continue
        if line.startswith('"'):
            assert current is not None and target is not None, f"{path}:{number}: stray string"
            value = _unquote(line)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise AssertionError(f"{path}:{number}: cannot read {raw!r}")
    return entries


@pytest.fixture(scope="module")
def entries() -> list[Entry]:
    assert PO_PATH.is_file(), f"{PO_PATH} is missing; run makemessages"
    return parse_po(PO_PATH)


@pytest.fixture(scope="module")
def messages(entries) -> list[Entry]:
    return [entry for entry in entries if entry.msgid != ""]


def placeholders(text: str) -> set[str]:
    return set(NAMED.findall(text)) | {f"{{{{ {name} }}}}" for name in TEMPLATE_VARIABLE.findall(text)}


def test_the_catalogue_is_not_empty(messages):
    assert len(messages) > 50


def test_header_declares_chinese_and_one_plural_form(entries):
    headers = [entry for entry in entries if entry.msgid == "" and entry.msgctxt is None]
    assert len(headers) == 1
    header = headers[0]
    assert "fuzzy" not in header.flags
    text = header.msgstr[0]
    assert "Language: zh_Hans\n" in text
    assert "Plural-Forms: nplurals=1; plural=0;\n" in text
    assert "charset=UTF-8" in text


def test_every_message_is_translated(messages):
    untranslated = [str(entry) for entry in messages if not entry.msgstr or not all(entry.msgstr.values())]
    assert not untranslated, "untranslated:\n" + "\n".join(untranslated)


def test_no_message_is_fuzzy(messages):
    fuzzy = [str(entry) for entry in messages if "fuzzy" in entry.flags]
    assert not fuzzy, "fuzzy entries are ignored at runtime:\n" + "\n".join(fuzzy)


def test_plural_messages_have_the_single_chinese_form(messages):
    wrong = [str(entry) for entry in messages if entry.msgid_plural is not None and set(entry.msgstr) != {0}]
    assert not wrong, "Chinese has one plural form, msgstr[0] only:\n" + "\n".join(wrong)


def test_placeholders_are_kept(messages):
    problems = []
    for entry in messages:
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        expected_positional = len(POSITIONAL.findall(NAMED.sub("", entry.msgid)))
        for slot, text in entry.msgstr.items():
            lost = expected - placeholders(text)
            if lost:
                problems.append(f"{entry} msgstr[{slot}] lacks {sorted(lost)}")
            if "python-format" in entry.flags:
                invented = placeholders(text) - expected
                if invented:
                    problems.append(f"{entry} msgstr[{slot}] has unknown {sorted(invented)}")
                positional = len(POSITIONAL.findall(NAMED.sub("", text.replace("%%", ""))))
                if positional != expected_positional:
                    problems.append(f"{entry} msgstr[{slot}] has {positional} positional placeholders")
    assert not problems, "\n".join(problems)


def test_python_format_messages_format(messages):
    """Formatting every python-format msgstr with its names works (no stray % left)."""
    problems = []
    for entry in messages:
        if "python-format" not in entry.flags or POSITIONAL.search(NAMED.sub("", entry.msgid.replace("%%", ""))):
            continue
        names = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        values = {name: 1 for name in names if not name.startswith("{{")}
        for slot, text in entry.msgstr.items():
            try:
                text % values
            except (KeyError, ValueError, TypeError) as error:
                problems.append(f"{entry} msgstr[{slot}]: {error!r}")
    assert not problems, "\n".join(problems)


def test_the_compiled_catalogue_is_used():
    assert MO_PATH.is_file(), f"{MO_PATH} is missing; run compilemessages"
    with translation.override("zh-hans"):
        assert translation.gettext("Log in") == "登录"
        assert translation.gettext("Register") == "注册"
        assert translation.gettext("Welcome, %(name)s") % {"name": "张三"} == "欢迎您，张三"
