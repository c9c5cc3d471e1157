"""Text analysis for the pre-check: normalisation, and finding links, IP addresses and contact
methods in real SMS text.

SMS text glues Latin and Chinese without spaces (``详情见abc.cn查看``), writes digits and letters
full-width (``ａｂｃ．ｃｎ``, ``１３８…``) and splits phone numbers with spaces or dashes. Every
function here works on NFKC-normalised text, so full-width characters count as their ASCII
equivalents, and the detectors run in a fixed order that masks what they found, so that one piece
of text is never counted twice: an e-mail address is a contact, not also a link; the digits of a
link or an IP address are never a phone number.

What deliberately is *not* detected: domains written in Chinese characters (``例子.中国``), because
nothing separates them from the surrounding sentence; landline numbers without an area code;
verification codes (4–8 bare digits) — with the exception of five-digit numbers beginning with 95,
which are national service numbers (95588) and cannot be told apart from a code that happens to
look alike (amounts such as ``95000元`` are recognised by their unit and left alone). Text that is
shaped like a domain is a domain: ``Mr.Wang`` ends in the real top-level domain ``.wang``, and a
carrier's filter would read it the same way.

Domains are recognised only when their last label is a real top-level domain of the Public Suffix
List, which tldextract ships as a snapshot; it is loaded from that snapshot, never from the
network.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable
from functools import lru_cache
from typing import NamedTuple

import tldextract

__all__ = [
    "CONTACT_KINDS",
    "EMAIL",
    "HOTLINE",
    "LANDLINE",
    "MOBILE",
    "SERVICE_NUMBER",
    "Contact",
    "Link",
    "TextScan",
    "find_contacts",
    "find_ips",
    "find_links",
    "host_of",
    "is_ipv4",
    "mask",
    "normalize",
    "normalize_host",
    "registrable_domain",
    "scan",
]

# Kinds of contact method (SPEC §4 TPL_TOO_MANY_CONTACTS).
MOBILE = "mobile"
LANDLINE = "landline"
HOTLINE = "hotline"  # 400 / 800 numbers
SERVICE_NUMBER = "service_number"  # 95xxx
EMAIL = "email"
CONTACT_KINDS = (MOBILE, LANDLINE, HOTLINE, SERVICE_NUMBER, EMAIL)

# What a found span is replaced with: not a digit, letter, dot, dash or space, so that no later
# pattern can match across it or use it as a separator.
_MASK = "\x00"


class Link(NamedTuple):
    """A link found in text: a URL with a scheme, a bare domain, or an IP address with a port or
    a path. ``key`` identifies the link regardless of its scheme and case."""

    text: str
    host: str
    path: str
    is_ip: bool
    start: int
    end: int

    @property
    def key(self) -> str:
        return self.host + self.path.rstrip("/")


class Contact(NamedTuple):
    """A contact method: ``kind`` is one of CONTACT_KINDS; ``value`` is the canonical form (the
    digits without separators or country prefix, or the lower-cased e-mail address)."""

    kind: str
    text: str
    value: str
    start: int
    end: int


class TextScan(NamedTuple):
    """Everything found in one text, in order of position within each tuple."""

    links: tuple[Link, ...]
    ips: tuple[str, ...]
    contacts: tuple[Contact, ...]

    @property
    def distinct_links(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(link.key for link in self.links))

    @property
    def distinct_ips(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(self.ips))

    @property
    def distinct_contacts(self) -> tuple[str, ...]:
        return tuple(dict.fromkeys(contact.value for contact in self.contacts))


def normalize(text: str) -> str:
    """NFKC-normalise ``text``: full-width digits, letters, punctuation and the ideographic space
    become their ASCII counterparts; compatibility ideographs become the unified ones."""
    if text.isascii() or unicodedata.is_normalized("NFKC", text):
        return text
    return unicodedata.normalize("NFKC", text)


# --- The Public Suffix List, offline -------------------------------------------------------------

# Private suffixes are included on purpose: on a platform such as github.io every subdomain has a
# different owner, so the registrable domain (what must be verified as the customer's) is the
# label below the private suffix.
_EXTRACT = tldextract.TLDExtract(
    suffix_list_urls=(), cache_dir=None, fallback_to_snapshot=True, include_psl_private_domains=True
)


def _load_top_level_domains() -> frozenset[str]:
    names: set[str] = set()
    for suffix in _EXTRACT.tlds:
        if "." in suffix:
            continue
        if suffix.isascii():
            names.add(suffix.lower())
            continue
        try:
            names.add(suffix.encode("idna").decode("ascii").lower())
        except UnicodeError:
            # Python's IDNA 2003 codec refuses a few newer labels; they can't appear in the
            # ASCII text this module recognises anyway.
            continue
    return frozenset(names)


# Loading the snapshot takes a few tens of milliseconds; do it at import, not in the first check.
_TOP_LEVEL_DOMAINS = _load_top_level_domains()


# --- Patterns ----------------------------------------------------------------------------------

_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_OCTET = r"(?:25[0-5]|2[0-4][0-9]|1[0-9]{2}|[1-9]?[0-9])"
_IPV4 = rf"{_OCTET}(?:\.{_OCTET}){{3}}"
# URL path characters (RFC 3986) in ASCII only: a Chinese character ends the link.
_PATH = r"[/?#][A-Za-z0-9\-._~%!$&'()*+,;=:@/?#\[\]]*"
_PORT = r"(?::[0-9]{1,5})?"

_EMAIL_RE = re.compile(
    rf"(?<![A-Za-z0-9._%+\-])[A-Za-z0-9][A-Za-z0-9._%+\-]*@((?:{_LABEL}\.)+[A-Za-z]{{2,63}})"
    r"(?![A-Za-z0-9\-])"
)
_URL_RE = re.compile(
    rf"(?i:https?|ftp)://((?:{_LABEL}\.)*{_LABEL})({_PORT})({_PATH})?",
)
_DOMAIN_RE = re.compile(
    rf"(?<![A-Za-z0-9.\-@/])((?:{_LABEL}\.)+([A-Za-z]{{2,63}}|xn--[A-Za-z0-9\-]{{1,59}}))"
    rf"(?![A-Za-z0-9\-])({_PORT})({_PATH})?"
)
_IPV4_RE = re.compile(rf"(?<![A-Za-z0-9.])({_IPV4})(?![0-9])(?!\.[0-9])({_PORT})({_PATH})?")
_IPV4_FULL_RE = re.compile(_IPV4)

# Separators people put into phone numbers: a space (NFKC turns the ideographic space into one) or
# a dash (NFKC turns the full-width dash into one).
_SEP = r"[ \-]?"
_MOBILE_RE = re.compile(
    rf"(?<![0-9+])(?:(?:\+|00)86{_SEP})?1[3-9][0-9]{_SEP}[0-9]{{4}}{_SEP}[0-9]{{4}}(?![0-9])"
)
_HOTLINE_RE = re.compile(rf"(?<![0-9])[48]00(?:{_SEP}[0-9]){{7}}(?![0-9])")
_LANDLINE_RE = re.compile(
    rf"(?<![0-9])(?:\(0[0-9]{{2,3}}\)|0[1-9][0-9]{{1,2}}){_SEP}[1-9][0-9]{{2,3}}{_SEP}[0-9]{{4}}"
    r"(?:(?:转|-|ext\.?)[0-9]{1,6})?(?![0-9])"
)
# A number followed by a unit or preceded by a currency sign is an amount, not a service number.
_SERVICE_RE = re.compile(
    r"(?<![0-9.¥$])95[0-9]{3}(?:[0-9]{3})?(?![0-9]|[.,][0-9]|元|块|万|%|个|次|人|份|分|件|折|天|年|月|日|号|米)"
)
_DIGITS_RE = re.compile(r"[0-9]+")
_ASCII_ALNUM_RE = re.compile(r"[A-Za-z0-9]")


# --- Hosts and domains -------------------------------------------------------------------------


def is_ipv4(host: str) -> bool:
    """Whether ``host`` is a dotted-quad IPv4 address."""
    return _IPV4_FULL_RE.fullmatch(host) is not None


def normalize_host(host: str) -> str:
    """Lower-case, without a trailing dot, internationalised labels in their ASCII (punycode)
    form, so that hosts written either way compare equal."""
    host = normalize(host).strip().lower().rstrip(".")
    if not host.isascii():
        try:
            host = host.encode("idna").decode("ascii")
        except UnicodeError:
            return host
    return host


def host_of(value: str) -> str:
    """The host of a URL or of something a person typed as a domain: ``https://www.a.cn:8080/x``,
    ``*.a.cn``, ``a.cn/`` all give their host, normalised."""
    value = normalize(value).strip()
    if "://" in value:
        value = value.split("://", 1)[1]
    value = re.split(r"[/?#]", value, maxsplit=1)[0]
    value = value.rsplit("@", 1)[-1]
    value = value.split(":", 1)[0]
    value = value.removeprefix("*.")
    return normalize_host(value)


@lru_cache(maxsize=8192)
def registrable_domain(host: str) -> str:
    """The domain a registrant owns, aware of public suffixes: ``a.b.example.com.cn`` gives
    ``example.com.cn``; ``foo.github.io`` gives itself (github.io is a private suffix). An IP
    address, a public suffix alone or a single label gives the host unchanged."""
    host = host_of(host)
    if not host or is_ipv4(host):
        return host
    return _EXTRACT(host).top_domain_under_public_suffix or host


# --- Detection ---------------------------------------------------------------------------------


def _trim_path(path: str) -> str:
    # Sentence punctuation after a link is not part of it: "详见abc.cn/x，谢谢" becomes "x," after
    # NFKC. A closing bracket is kept only when the path opened one.
    while path:
        last = path[-1]
        unbalanced = (last == ")" and path.count("(") < path.count(")")) or (
            last == "]" and path.count("[") < path.count("]")
        )
        if last not in ".,;:!?'\"" and not unbalanced:
            break
        path = path[:-1]
    return path


class _Scanner:
    """One pass over one text: each detector records what it found and masks it for the next."""

    def __init__(self, text: str) -> None:
        self.text = text
        self.links: list[Link] = []
        self.ips: list[tuple[int, str]] = []
        self.contacts: list[Contact] = []

    def _masked(self, start: int, end: int) -> str:
        return _MASK * (end - start)

    def _email(self, match: re.Match[str]) -> str:
        text = match.group(0)
        self.contacts.append(Contact(EMAIL, text, text.lower(), match.start(), match.end()))
        return self._masked(match.start(), match.end())

    def _url(self, match: re.Match[str]) -> str:
        host, port, raw_path = match.group(1), match.group(2), match.group(3)
        path = _trim_path(raw_path or "")
        start = match.start(0)
        end = match.end(0) - (len(raw_path or "") - len(path))
        host = host.lower()
        ip = is_ipv4(host)
        if ip:
            self.ips.append((start, host))
        self.links.append(Link(self.text[start:end], host, port + path, ip, start, end))
        return self._masked(start, end) + match.group(0)[end - start :]

    def _domain(self, match: re.Match[str]) -> str:
        host, tld, port, raw_path = match.groups()
        if tld.lower() not in _TOP_LEVEL_DOMAINS:
            return match.group(0)
        path = _trim_path(raw_path or "")
        start = match.start(0)
        end = match.end(0) - (len(raw_path or "") - len(path))
        self.links.append(Link(self.text[start:end], host.lower(), port + path, False, start, end))
        return self._masked(start, end) + match.group(0)[end - start :]

    def _ip(self, match: re.Match[str]) -> str:
        address, port, raw_path = match.groups()
        path = _trim_path(raw_path or "")
        start = match.start(0)
        end = match.end(0) - (len(raw_path or "") - len(path))
        self.ips.append((start, address))
        if port or path:
            self.links.append(Link(self.text[start:end], address, port + path, True, start, end))
        return self._masked(start, end) + match.group(0)[end - start :]

    def _phone(self, kind: str) -> Callable[[re.Match[str]], str]:
        def record(match: re.Match[str]) -> str:
            text = match.group(0)
            digits = "".join(_DIGITS_RE.findall(text))
            if kind == MOBILE:
                # +86 138…, 0086 138… and 138… are the same number.
                digits = digits[-11:]
            self.contacts.append(Contact(kind, text, digits, match.start(), match.end()))
            return self._masked(match.start(), match.end())

        return record

    def run(self) -> TextScan:
        text = self.text
        # Order matters: an e-mail's domain is not a link; a link's or an IP's digits are not a
        # phone number; a mobile number's "0086" prefix is not an area code.
        text = _EMAIL_RE.sub(self._email, text)
        text = _URL_RE.sub(self._url, text)
        text = _DOMAIN_RE.sub(self._domain, text)
        text = _IPV4_RE.sub(self._ip, text)
        text = _MOBILE_RE.sub(self._phone(MOBILE), text)
        text = _HOTLINE_RE.sub(self._phone(HOTLINE), text)
        text = _LANDLINE_RE.sub(self._phone(LANDLINE), text)
        _SERVICE_RE.sub(self._phone(SERVICE_NUMBER), text)
        return TextScan(
            tuple(sorted(self.links, key=lambda link: link.start)),
            tuple(address for _, address in sorted(self.ips)),
            tuple(sorted(self.contacts, key=lambda contact: contact.start)),
        )


def mask(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """``text`` with each ``(start, end)`` span replaced by as many mask characters, which no
    detector matches or reads as a separator (used to hide template variables from ``scan``)."""
    pieces = []
    position = 0
    for start, end in sorted(spans):
        if start < position:
            start = position
        pieces.append(text[position:start])
        pieces.append(_MASK * max(0, end - start))
        position = max(position, end)
    pieces.append(text[position:])
    return "".join(pieces)


def scan(text: str) -> TextScan:
    """Find the links, IP addresses and contact methods of ``text`` (normalised first)."""
    text = normalize(text)
    if _ASCII_ALNUM_RE.search(text) is None:
        # Pure Chinese text (most of it) has nothing to find: skip the regular expressions.
        return TextScan((), (), ())
    return _Scanner(text).run()


def find_links(text: str) -> tuple[Link, ...]:
    """The links of ``text``: URLs, bare domains (also glued to Chinese), IP links."""
    return scan(text).links


def find_ips(text: str) -> tuple[str, ...]:
    """The IPv4 addresses of ``text``, bare or as the host of a link."""
    return scan(text).ips


def find_contacts(text: str) -> tuple[Contact, ...]:
    """The contact methods of ``text``: mobiles, landlines, 400/800 and 95xxx numbers, e-mails."""
    return scan(text).contacts
