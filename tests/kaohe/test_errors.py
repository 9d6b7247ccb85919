"""Every refusal's code is in its app's errors.py, every catalogued code is used, and the docs name
them all: docs/errors.md is generated from the catalogues, docs/exam-protocol.md lists the room's.

The code is read with `ast`, not run, so a refusal on a path no test reaches is checked too.
What counts as naming a code:

- the first argument of `ERRORS.error/row/message/validation_error(...)`, where `ERRORS` is a
  catalogue the module imports or defines: the code must be in that catalogue;
- `code="..."` of a call to a class whose name ends in `Error` or `Rejected` (a remaining
  `DomainError(code=...)`), or its first argument where that looks like a code, snake_case with an
  underscore (`ProtocolError("not_json")`, `ImageRejected("image_corrupt")`; not a message such
  as `checks.Error("SECRET_KEY is ...")`); `illegal_code="..."` of a state machine;
  `self.error("...")` and `self.refuse("...")` in a consumer; `{"code": "..."}` in a reply; and
  the strings of a module-level table of codes, a name ending in `_CODES` (`HTTP_ERROR_CODES`,
  `ROOM_CODES`): the code must be in the module's app's catalogue or the kernel's.
"""

import ast
import builtins
import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise

from exam.realtime.messages import ROOM_CODES
from kernel.errors import catalogues
from kernel.management.commands.errors_doc import DOC_PATH, render

ROOT = Path(settings.BASE_DIR)
PACKAGES = ("kaohe", "kernel", "lms", "cms", "proctor", "hours", "exam")
CATALOGUE_METHODS = {"error", "row", "message", "validation_error"}
CONSUMER_METHODS = {"error", "refuse"}
PROTOCOL_DOC = ROOT / "docs" / "exam-protocol.md"
CODE_LIKE = re.compile(r"^[a-z][a-z0-9]*(?:_[a-z0-9]+)+$")


@dataclass(frozen=True)
class Use:
    code: str
    catalogue: str | None  # the catalogue named at the call, or None: the module's app's or the kernel's
    app: str
    where: str


def _modules():
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" not in path.parts:
                yield package, path


def _strings(node) -> list[str]:
    """The string constants an argument can be: a literal, or either branch of `a if c else b`."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.IfExp):
        return _strings(node.body) + _strings(node.orelse)
    return []


def _catalogue_names(tree, package: str) -> dict[str, str]:
    """Local names bound to a catalogue: `from .errors import ERRORS`,
    `from kernel.errors import ERRORS as KERNEL_ERRORS`, or the module's own `ERRORS = Catalogue(...)`."""
    names = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] == "errors":
            app = package if node.level else node.module.split(".")[0]
            for alias in node.names:
                if alias.name == "ERRORS":
                    names[alias.asname or alias.name] = app
        elif isinstance(node, ast.Assign) and isinstance(node.value, ast.Call):
            func = node.value.func
            if isinstance(func, ast.Name) and func.id == "Catalogue":
                app = _strings(node.value.args[0])[0]
                names.update({target.id: app for target in node.targets if isinstance(target, ast.Name)})
    return names


def _uses_in(node, package: str, catalogue_names: dict[str, str], where: str) -> list[Use]:
    app = "kernel" if package == "kaohe" else package
    uses = []
    if isinstance(node, ast.Call):
        func = node.func
        first = _strings(node.args[0]) if node.args else []
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if (
            isinstance(func, ast.Attribute)
            and isinstance(func.value, ast.Name)
            and func.value.id in catalogue_names
            and name in CATALOGUE_METHODS
        ):
            uses += [Use(code, catalogue_names[func.value.id], app, where) for code in first]
        # A rule's Failure("code", ...) (exam/rules/admission.py) is a refusal too, reported through its app's catalogue.
        elif name.endswith(("Error", "Rejected", "Failure")) and not hasattr(builtins, name):  # not ValueError("why")
            codes = [code for code in first if CODE_LIKE.match(code)]
            codes += [s for keyword in node.keywords if keyword.arg == "code" for s in _strings(keyword.value)]
            uses += [Use(code, None, app, where) for code in codes]
        elif isinstance(func, ast.Attribute) and getattr(func.value, "id", "") == "self" and name in CONSUMER_METHODS:
            uses += [Use(code, None, app, where) for code in first]
        for keyword in node.keywords:
            if keyword.arg == "illegal_code":
                uses += [Use(code, None, app, where) for code in _strings(keyword.value)]
    elif isinstance(node, ast.Dict):
        for key, value in zip(node.keys, node.values):
            if isinstance(key, ast.Constant) and key.value == "code":
                uses += [Use(code, None, app, where) for code in _strings(value)]
    elif isinstance(node, ast.Assign) and any(getattr(target, "id", "").endswith("_CODES") for target in node.targets):
        uses += [Use(code, None, app, where) for element in ast.walk(node.value) for code in _strings(element)]
    return uses


def _uses() -> list[Use]:
    found = []
    for package, path in _modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        names = _catalogue_names(tree, package)
        for node in ast.walk(tree):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            found += _uses_in(node, package, names, where)
    return found


@pytest.fixture(scope="module")
def uses() -> list[Use]:
    return _uses()


@pytest.fixture(scope="module")
def tables():
    return catalogues()


def test_the_scan_reads_each_way_of_naming_a_code():
    source = """
from .errors import ERRORS
from kernel.errors import ERRORS as KERNEL_ERRORS
ERRORS.error("a_code" if faces == 0 else "b_code", field="f")
KERNEL_ERRORS.row("c_code")
DomainError(code="d_code", message=text)
ProtocolError("e_code", seq)
checks.Error("Not a code at all.")
ValueError("not_a_refusal")
MACHINE = Machine(statuses=S, moves={}, errors=ERRORS, illegal_code="g_code")
reply = {"type": "error", "code": "h_code"}
HTTP_ERROR_CODES = {400: "i_code"}
self.refuse("j_code", 4401)
"""
    tree = ast.parse(source)
    names = _catalogue_names(tree, "exam")
    found = {(use.catalogue, use.code) for node in ast.walk(tree) for use in _uses_in(node, "exam", names, "")}
    assert found == {
        ("exam", "a_code"), ("exam", "b_code"), ("kernel", "c_code"), (None, "d_code"), (None, "e_code"),
        (None, "g_code"), (None, "h_code"), (None, "i_code"), (None, "j_code"),
    }


def test_the_scan_sees_the_raise_sites(uses):
    # A guard against a scan that silently finds nothing (say, after a rename of ERRORS).
    assert len(uses) > 250
    assert {"attempt_closed", "not_json", "image_corrupt", "csrf_failed", "duplicate_row"} <= {use.code for use in uses}


def test_every_app_has_a_catalogue(tables):
    assert set(PACKAGES) - {"kaohe"} <= set(tables)


def test_every_code_raised_or_reported_is_catalogued(uses, tables):
    missing = []
    for use in uses:
        homes = [use.catalogue] if use.catalogue else [use.app, "kernel"]
        if not any(use.code in tables[home] for home in homes):
            missing.append(f"{use.where}: {use.code!r} is not in {' or '.join(f'{home}/errors.py' for home in homes)}")
    assert not missing, "\n".join(missing)


def test_no_catalogued_code_is_unused(uses, tables):
    used = {(use.catalogue or use.app, use.code) for use in uses}
    # A code named without its catalogue may be the kernel's (an image code a proctor service maps).
    used |= {("kernel", use.code) for use in uses if use.catalogue is None}
    dead = [f"{app}/errors.py: {code}" for app, table in tables.items() for code in table.refusals if (app, code) not in used]
    assert not dead, "dead codes (remove them):\n" + "\n".join(dead)


def test_a_code_in_several_apps_means_one_thing_to_a_client(tables):
    statuses: dict[str, set[int]] = {}
    for table in tables.values():
        for code, refusal in table.refusals.items():
            statuses.setdefault(code, set()).add(refusal.status)
    assert {code: found for code, found in statuses.items() if len(found) > 1} == {}


def test_every_message_is_translatable_and_translated(tables):
    untranslated = []
    for app, table in tables.items():
        for code, refusal in table.refusals.items():
            assert isinstance(refusal.message, Promise), f"{app}: {code} needs gettext_lazy"
            with translation.override("en"):
                english = str(refusal.message)
            with translation.override("zh-hans"):
                chinese = str(refusal.message)
            if chinese == english:
                untranslated.append(f"{app}: {code}: {english}")
    assert not untranslated, "\n".join(untranslated)


def test_docs_errors_md_is_current(tables):
    documented = DOC_PATH.read_text(encoding="utf-8") if DOC_PATH.exists() else ""
    undocumented = [
        f"{app}: {code}" for app, table in tables.items() for code in table.refusals if f"| `{code}` |" not in documented
    ]
    assert not undocumented, "not in docs/errors.md (run `python manage.py errors_doc`):\n" + "\n".join(undocumented)
    assert documented == render(), "docs/errors.md is out of date: run `python manage.py errors_doc`"


# The exam room ---------------------------------------------------------------------------------


def test_the_room_codes_are_catalogued_and_in_the_protocol(tables):
    protocol = PROTOCOL_DOC.read_text(encoding="utf-8")
    assert ROOM_CODES <= set(tables["exam"].refusals)
    assert sorted(code for code in ROOM_CODES if f"`{code}`" not in protocol) == []


def test_the_protocol_names_no_code_the_room_cannot_send():
    tables_section = PROTOCOL_DOC.read_text(encoding="utf-8").split("### Error codes", 1)[1].split("\n## ", 1)[0]
    named = set(re.findall(r"^\| `(\w+)` \|", tables_section, flags=re.MULTILINE))
    assert named and named <= ROOM_CODES


def _function_index(folders) -> dict[str, list[ast.AST]]:
    index: dict[str, list[ast.AST]] = {}
    for folder in folders:
        for path in sorted((ROOT / "exam" / folder).rglob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    index.setdefault(node.name, []).append(node)
    return index


def _machine_codes() -> dict[str, str]:
    """Each state machine's name and the code it refuses an illegal move with."""
    codes = {}
    for _package, path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Assign) and isinstance(node.value, ast.Call) and getattr(node.value.func, "id", "") == "Machine":
                code = next(s for keyword in node.value.keywords if keyword.arg == "illegal_code" for s in _strings(keyword.value))
                codes.update({target.id: code for target in node.targets if isinstance(target, ast.Name)})
    return codes


def test_every_code_the_services_behind_the_room_raise_is_a_room_code():
    """Follow every function the room's consumers name (called, or handed to `in_thread`) through
    exam's services and selectors, by name, and collect the codes raised on the way: the room may
    send any of them."""
    index = _function_index(["realtime", "services", "selectors"])
    machines = _machine_codes()
    consumers = ast.parse((ROOT / "exam" / "realtime" / "consumers.py").read_text(encoding="utf-8"))
    pending = [node for node in ast.walk(consumers) if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))]
    seen, codes = set(), set()
    while pending:
        function = pending.pop()
        if id(function) in seen:
            continue
        seen.add(id(function))
        for node in ast.walk(function):
            codes |= {use.code for use in _uses_in(node, "exam", {"ERRORS": "exam"}, "")}
            if isinstance(node, ast.Name) and node.id in machines:
                codes.add(machines[node.id])
            name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", None)
            pending += index.get(name, [])
    assert codes - ROOM_CODES == set(), "codes the room may send: add them to ROOM_CODES and docs/exam-protocol.md"
    assert ROOM_CODES - codes == set(), "codes the room no longer sends: remove them from ROOM_CODES and the protocol"
