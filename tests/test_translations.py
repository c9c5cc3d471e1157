"""The Simplified Chinese catalogues (SPEC §1: Chinese by default, English on request).

Each app keeps its own catalogue in ``<app>/locale/zh_Hans/LC_MESSAGES/django.po`` with the
compiled ``django.mo`` committed beside it, so that an install needs no gettext tools. These tests
need none either: the .po files are read by the small parser below and the .mo files by Python's
own ``gettext`` module.

When a test here fails after a code change, refresh the catalogue of that app (from inside the app
directory, so that it only collects its own strings), translate, and compile::

    cd <app> && ../.venv/bin/python ../manage.py makemessages -l zh_Hans --ignore=migrations
    cd locale/zh_Hans/LC_MESSAGES && msgfmt --check -o django.mo django.po
"""

from __future__ import annotations

import ast
import gettext
import re
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings

from tests.factories import StaffFactory

ROOT = Path(__file__).resolve().parent.parent
APPS = (
    "reviewportal",
    "signatures",
    "templates",
    "carriers",
    "webhooks",
    "portal",
    "console",
    "api",
)
LC_MESSAGES = Path("locale", "zh_Hans", "LC_MESSAGES")


# --- A small PO reader -------------------------------------------------------------------------


@dataclass
class Entry:
    msgid: str = ""
    msgid_plural: str | None = None
    msgctxt: str | None = None
    msgstr: dict[int, str] = field(default_factory=dict)
    flags: set[str] = field(default_factory=set)
    line: int = 0

    @property
    def key(self) -> tuple[str | None, str]:
        return (self.msgctxt, self.msgid)

    def __str__(self) -> str:
        ctx = f"[{self.msgctxt}] " if self.msgctxt is not None else ""
        return f"line {self.line}: {ctx}{self.msgid!r}"


_ESCAPES = {
    "n": "\n",
    "t": "\t",
    "r": "\r",
    '"': '"',
    "\\": "\\",
    "a": "\a",
    "b": "\b",
    "f": "\f",
    "v": "\v",
}
_KEYWORD = re.compile(r'^(msgctxt|msgid_plural|msgid|msgstr(?:\[(\d+)\])?)\s+(".*")$')


def _unquote(token: str, where: str) -> str:
    token = token.strip()
    if len(token) < 2 or not (token.startswith('"') and token.endswith('"')):
        raise ValueError(f"{where}: not a quoted string: {token}")
    body, out, i = token[1:-1], [], 0
    while i < len(body):
        char = body[i]
        if char == "\\":
            out.append(_ESCAPES[body[i + 1]])
            i += 2
        else:
            out.append(char)
            i += 1
    return "".join(out)


def parse_po(path: Path) -> tuple[Entry, list[Entry]]:
    """Return the header entry and the message entries of a .po file (obsolete ``#~`` entries
    are left out: they are not compiled). Handles multi-line strings, contexts and plurals."""
    entries: list[Entry] = []
    current: Entry | None = None
    target: tuple[str, int | None] | None = None  # which string a continuation line extends
    pending_flags: set[str] = set()

    def finish() -> None:
        nonlocal current, target
        if current is not None:
            entries.append(current)
        current, target = None, None

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        line = raw.strip()
        where = f"{path}:{number}"
        if not line:
            finish()
            continue
        if line.startswith("#~"):
            continue
        if line.startswith("#"):
            if current is not None and current.msgstr:
                finish()
            if line.startswith("#,"):
                pending_flags |= {flag.strip() for flag in line[2:].split(",") if flag.strip()}
            continue
        match = _KEYWORD.match(line)
        if match:
            keyword, index, token = match.groups()
            starts_entry = keyword in ("msgctxt", "msgid")
            if (
                current is not None
                and starts_entry
                and (current.msgstr or (keyword == "msgctxt") or current.msgid)
            ):
                finish()
            if current is None:
                current = Entry(line=number, flags=pending_flags)
                pending_flags = set()
            value = _unquote(token, where)
            if keyword.startswith("msgstr"):
                slot = int(index) if index is not None else 0
                current.msgstr[slot] = value
                target = ("msgstr", slot)
            else:
                setattr(current, keyword, value)
                target = (keyword, None)
            continue
        if line.startswith('"'):
            if current is None or target is None:
                raise ValueError(f"{where}: continuation line outside an entry")
            value = _unquote(line, where)
            name, slot = target
            if name == "msgstr":
                current.msgstr[slot] += value
            else:
                setattr(current, name, getattr(current, name) + value)
            continue
        raise ValueError(f"{where}: cannot parse {raw!r}")
    finish()

    headers = [e for e in entries if e.msgid == "" and e.msgctxt is None]
    assert len(headers) == 1, f"{path}: expected one header entry, found {len(headers)}"
    return headers[0], [e for e in entries if e is not headers[0]]


def _header_fields(header: Entry) -> dict[str, str]:
    fields = {}
    for line in header.msgstr.get(0, "").splitlines():
        if ":" in line:
            name, value = line.split(":", 1)
            fields[name.strip()] = value.strip()
    return fields


# %(name)s, %(name).1f, %s, %d, %r ... (not %%), and {name} as in str.format / ${name} variables.
_PLACEHOLDER = re.compile(
    r"%\([^)]+\)[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|%[#0\- +]*(?:\d+|\*)?(?:\.\d+)?[diouxXeEfFgGcrsa]"
    r"|\{[A-Za-z_][A-Za-z0-9_]*\}"
)


def placeholders(text: str) -> set[str]:
    return set(_PLACEHOLDER.findall(text.replace("%%", "")))


def po_path(app: str) -> Path:
    return ROOT / app / LC_MESSAGES / "django.po"


@pytest.fixture(scope="module", params=APPS)
def catalogue(request):
    app = request.param
    path = po_path(app)
    assert path.is_file(), f"{app} has no Simplified Chinese catalogue at {path}"
    header, entries = parse_po(path)
    return app, header, entries


# --- The catalogues ----------------------------------------------------------------------------


def test_parser_reads_multiline_plural_and_context_entries(tmp_path):
    po = tmp_path / "django.po"
    po.write_text(
        'msgid ""\nmsgstr ""\n"Language: zh_Hans\\n"\n"Plural-Forms: nplurals=1; plural=0;\\n"\n'
        "#: a.py:1\n"  # no blank line after the header, as makemessages writes new files
        'msgid "one"\nmsgstr "一"\n\n'
        "#, fuzzy, python-format\n"
        'msgid ""\n"Long %(n)s "\n"text"\nmsgstr ""\n"长%(n)s"\n"文本"\n\n'
        'msgctxt "list separator"\nmsgid ", "\nmsgstr "、"\n\n'
        'msgid "%(n)s item"\nmsgid_plural "%(n)s items"\nmsgstr[0] "%(n)s项"\n\n'
        '#~ msgid "gone"\n#~ msgstr "旧"\n',
        encoding="utf-8",
    )
    header, entries = parse_po(po)
    assert _header_fields(header)["Language"] == "zh_Hans"
    assert [(e.msgctxt, e.msgid, e.msgid_plural, e.msgstr) for e in entries] == [
        (None, "one", None, {0: "一"}),
        (None, "Long %(n)s text", None, {0: "长%(n)s文本"}),
        ("list separator", ", ", None, {0: "、"}),
        (None, "%(n)s item", "%(n)s items", {0: "%(n)s项"}),
    ]
    assert "fuzzy" in entries[1].flags and "python-format" in entries[1].flags
    assert placeholders("%(a)s, %(b).1f MB, %d, %s, ${code}, 100%%") == {
        "%(a)s",
        "%(b).1f",
        "%d",
        "%s",
        "{code}",
    }


def test_header_declares_chinese_and_one_plural_form(catalogue):
    app, header, _entries = catalogue
    fields = _header_fields(header)
    assert "fuzzy" not in header.flags, f"{app}: the header is marked fuzzy"
    assert fields.get("Language") == "zh_Hans", app
    assert "charset=UTF-8" in fields.get("Content-Type", ""), app
    assert fields.get("Plural-Forms", "").replace(" ", "") == "nplurals=1;plural=0;", app


def test_catalogue_is_not_empty_and_has_no_duplicates(catalogue):
    app, _header, entries = catalogue
    assert entries, f"{app}: empty catalogue"
    seen = defaultdict(list)
    for entry in entries:
        seen[entry.key].append(entry.line)
    assert not {k: v for k, v in seen.items() if len(v) > 1}, f"{app}: duplicate msgids"


def test_every_entry_is_translated_and_not_fuzzy(catalogue):
    app, _header, entries = catalogue
    untranslated = [str(e) for e in entries if not e.msgstr or not all(e.msgstr.values())]
    fuzzy = [str(e) for e in entries if "fuzzy" in e.flags]
    assert not untranslated, f"{app}: untranslated entries: {untranslated}"
    assert not fuzzy, f"{app}: fuzzy entries: {fuzzy}"


def test_plural_entries_have_exactly_the_one_chinese_form(catalogue):
    app, _header, entries = catalogue
    wrong = [str(e) for e in entries if e.msgid_plural is not None and set(e.msgstr) != {0}]
    singular_with_index = [
        str(e) for e in entries if e.msgid_plural is None and set(e.msgstr) != {0}
    ]
    assert not wrong, f"{app}: plural entries need exactly msgstr[0] (nplurals=1): {wrong}"
    assert not singular_with_index, f"{app}: {singular_with_index}"


def test_placeholders_are_kept(catalogue):
    app, _header, entries = catalogue
    problems = []
    for entry in entries:
        expected = placeholders(entry.msgid) | placeholders(entry.msgid_plural or "")
        for form, text in entry.msgstr.items():
            found = placeholders(text)
            if expected - found:
                problems.append(f"{entry} msgstr[{form}] lacks {sorted(expected - found)}")
            if found - expected:
                problems.append(f"{entry} msgstr[{form}] adds {sorted(found - expected)}")
    assert not problems, f"{app}: " + "\n".join(problems)


def test_compiled_catalogue_matches_the_po(catalogue):
    """The committed .mo is what Django loads: it must say what the .po says (a stale .mo is
    caught here without comparing file times, which a git clone does not keep)."""
    app, _header, entries = catalogue
    mo = po_path(app).with_suffix(".mo")
    assert mo.is_file(), f"{app}: {mo} is missing; compile it with msgfmt --check"
    with mo.open("rb") as fh:
        compiled = gettext.GNUTranslations(fh)
    assert compiled.info().get("language") == "zh_Hans", app
    stale = []
    for entry in entries:
        if entry.msgid_plural is not None:
            for n in (1, 2, 5):
                got = (
                    compiled.npgettext(entry.msgctxt, entry.msgid, entry.msgid_plural, n)
                    if entry.msgctxt is not None
                    else compiled.ngettext(entry.msgid, entry.msgid_plural, n)
                )
                if got != entry.msgstr[0]:
                    stale.append(f"{entry} (n={n}): .mo has {got!r}")
        else:
            got = (
                compiled.pgettext(entry.msgctxt, entry.msgid)
                if entry.msgctxt is not None
                else compiled.gettext(entry.msgid)
            )
            if got != entry.msgstr[0]:
                stale.append(f"{entry}: .mo has {got!r}, .po has {entry.msgstr[0]!r}")
    assert not stale, f"{app}: django.mo is out of date:\n" + "\n".join(stale)


def test_a_msgid_shared_by_two_apps_has_one_translation():
    """Django merges the catalogues of all apps and the first app wins, so two different
    translations of one msgid would silently hide one of them (use pgettext to tell apart)."""
    seen: dict[tuple[str | None, str], dict[str, str]] = defaultdict(dict)
    for app in APPS:
        _header, entries = parse_po(po_path(app))
        for entry in entries:
            seen[entry.key][app] = entry.msgstr.get(0, "")
    clashes = {k: v for k, v in seen.items() if len(set(v.values())) > 1}
    assert not clashes, f"one msgid, different translations: {clashes}"


# --- The catalogues cover the code -------------------------------------------------------------

# The keywords makemessages passes to xgettext: name -> (index of msgctxt or None, index of msgid).
_KEYWORDS = {
    "_": (None, 0),
    "gettext": (None, 0),
    "gettext_lazy": (None, 0),
    "gettext_noop": (None, 0),
    "ngettext": (None, 0),
    "ngettext_lazy": (None, 0),
    "pgettext": (0, 1),
    "pgettext_lazy": (0, 1),
    "npgettext": (0, 1),
    "npgettext_lazy": (0, 1),
}


def source_msgids(app: str) -> dict[tuple[str | None, str], str]:
    """The literal msgids of the app's Python code (migrations excepted), as xgettext sees them."""
    found = {}
    for path in sorted((ROOT / app).rglob("*.py")):
        if "migrations" in path.relative_to(ROOT / app).parts:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node in ast.walk(tree):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", None)
            if name not in _KEYWORDS:
                continue
            ctx_index, id_index = _KEYWORDS[name]
            args = node.args
            if len(args) <= id_index:
                continue
            msgid = args[id_index]
            ctx = args[ctx_index] if ctx_index is not None else None
            if not (isinstance(msgid, ast.Constant) and isinstance(msgid.value, str)):
                continue
            if ctx is not None and not (
                isinstance(ctx, ast.Constant) and isinstance(ctx.value, str)
            ):
                continue
            key = (ctx.value if ctx is not None else None, msgid.value)
            found.setdefault(key, f"{path.relative_to(ROOT)}:{node.lineno}")
    return found


@pytest.mark.parametrize("app", APPS)
def test_catalogue_has_every_string_of_the_code(app):
    _header, entries = parse_po(po_path(app))
    known = {entry.key for entry in entries}
    missing = {
        f"{where} {key[1]!r}" for key, where in source_msgids(app).items() if key not in known
    }
    assert not missing, (
        f"{app}: strings not in the catalogue (run makemessages in {app}/, translate, compile):\n"
        + "\n".join(sorted(missing))
    )


# --- What people see ---------------------------------------------------------------------------

SITE_HEADER = "Review Portal · reviewer console"


def _translation_of(app: str, msgid: str) -> str:
    _header, entries = parse_po(po_path(app))
    (entry,) = [e for e in entries if e.msgid == msgid and e.msgctxt is None]
    return entry.msgstr[0]


@pytest.mark.django_db
def test_admin_index_shows_the_chinese_site_header_by_default(client):
    chinese = _translation_of("console", SITE_HEADER)
    assert chinese != SITE_HEADER and re.search(r"[\u4e00-\u9fff]", chinese)
    client.force_login(StaffFactory(role="Reviewer"))
    response = client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    assert chinese in html
    assert SITE_HEADER not in html


@pytest.mark.django_db
def test_admin_index_shows_the_english_site_header_on_request(client):
    client.force_login(StaffFactory(role="Reviewer"))
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get("/admin/")
    assert response.status_code == 200
    assert SITE_HEADER in response.content.decode()
