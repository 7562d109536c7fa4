"""The demo alliance in the test database, and a crawler that walks it as a role would.

`seed_demo_data()` runs the same command `make run` does, so what the tests walk is what a person
trying the portal sees. `crawl()` follows the links a logged-in client is shown, breadth first,
and reads every form on each page the way a browser would submit it untouched.

On the demo the crawl reaches, per role, one page for each URL name the role is shown a link to
(redirects included): about 90 pages for the chair, 95 for the coordinator, 65 for the
secretary, 40 for a member and for the observer, and 7 for the staff account, which belongs to
no alliance. A role's crawl takes a few seconds.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from html.parser import HTMLParser
from io import StringIO
from unittest.mock import patch
from urllib.parse import urljoin, urlsplit

from django.core.management import call_command
from django.urls import Resolver404, resolve

from alliance_portal.permissions import Role
from alliances.models import Alliance, User
from demo.management.commands.seed_demo import ALLIANCE_NAME, PEOPLE, demo_email
from documents.tasks import store_document

DEMO_ROLES = (Role.CHAIR, Role.SECRETARY, Role.COORDINATOR, Role.MEMBER, Role.OBSERVER)

# Paths a crawl never opens: leaving the session, the admin site, and files to download.
SKIPPED_PREFIXES = ("/accounts/logout/", "/admin/")
DOWNLOAD_SUFFIXES = (".pdf", ".ics", ".csv", ".xlsx", ".json", ".zip")


def seed_demo_data() -> dict[str, User]:
    """Seeds the demo into the test database; returns its people by role name, and "staff".

    Needs database access (the `db` fixture). The first person listed with each role stands
    for that role.

    The demo's final documents (approved minutes and plan, a sealed signature...) are not
    printed as they become final, as the background task would: they are printed when someone
    downloads them, as before the task has run. Printing the eighteen of them took most of the
    seeding time, and the tests that seed the demo walk pages, not those files
    (tests/demo/test_demo.py runs the command whole).
    """
    with patch.object(store_document, "apply_async"):
        call_command("seed_demo", stdout=StringIO())
    people: dict[str, User] = {}
    for first, last, role, _organisation, _language in PEOPLE:
        people.setdefault(str(role), User.objects.get(email=demo_email(first, last)))
    staff = User.objects.filter(email=demo_email("Admin", "Portal"), is_staff=True).first()
    if staff is not None:
        people["staff"] = staff
    return people


def demo_alliance() -> Alliance:
    return Alliance.objects.get(name=ALLIANCE_NAME)


@dataclass(frozen=True)
class Submitter:
    """A submit button: its name and value join the submission, and it may redirect it."""

    name: str
    value: str
    action: str | None = None  # formaction, resolved
    method: str | None = None  # formmethod, upper case


@dataclass
class Form:
    action: str  # absolute path (with query), the page's own URL when the form has no action
    method: str  # "GET" or "POST"
    fields: list[tuple[str, str]]  # what a browser sends untouched, in document order
    submitters: list[Submitter] = field(default_factory=list)
    attrs: dict[str, str] = field(default_factory=dict)  # the form's own attributes (hx-post…)
    has_file_input: bool = False
    visible_fields: int = 0  # fields a person can fill in or press Enter in (not hidden)

    @property
    def submittable(self) -> bool:
        """A person can send it: it has a submit button, or a field to press Enter in."""
        return bool(self.submitters or self.visible_fields)

    def data(self, submitter: Submitter | None = None) -> dict[str, str | list[str]]:
        """The fields as the test client's `data` argument (repeated names become lists), with
        the button's name and value when one is given."""
        data: dict[str, str | list[str]] = {}
        pairs = self.fields + ([(submitter.name, submitter.value)] if submitter else [])
        for name, value in pairs:
            if not name:
                continue
            if name in data:
                previous = data[name]
                data[name] = [*previous, value] if isinstance(previous, list) else [previous, value]
            else:
                data[name] = value
        return data

    def submission(self, submitter: Submitter | None = None) -> tuple[str, str]:
        """(method, action) of the request a browser makes when the button submits the form."""
        method = (submitter.method if submitter else None) or self.method
        action = (submitter.action if submitter else None) or self.action
        return method, action


@dataclass
class Page:
    url: str
    status: int
    content_type: str
    html: str
    forms: list[Form]
    url_name: str = ""  # the resolved URL pattern's name ("actionplans:action"), "" if none
    links: list[str] = field(default_factory=list)


def _checkable(attrs: dict[str, str | None]) -> bool:
    return (attrs.get("type") or "text").lower() in {"checkbox", "radio"}


class _PageParser(HTMLParser):
    """Collects links and forms with what a browser would submit from each, untouched."""

    def __init__(self, base_url: str):
        super().__init__(convert_charrefs=True)
        self.base_url = base_url
        self.links: list[str] = []
        self.forms: list[Form] = []
        self._form: Form | None = None
        self._forms_by_id: dict[str, Form] = {}
        self._foreign: list[tuple[str, tuple]] = []  # controls outside their form (form="id")
        self._select: dict | None = None
        self._option: dict | None = None
        self._textarea: dict | None = None
        self._button: dict | None = None

    # Which form a control belongs to: its form="id" attribute wins over nesting.
    def _owner(self, attrs: dict[str, str | None]) -> Form | str | None:
        form_id = attrs.get("form")
        return form_id if form_id else self._form

    def _add(self, owner, kind: str, item) -> None:
        if owner is None:
            return
        if isinstance(owner, str):
            self._foreign.append((owner, (kind, item)))
            return
        if kind == "field":
            owner.fields.append(item)
        elif kind == "submitter":
            owner.submitters.append(item)
        elif kind == "file":
            owner.has_file_input = True
        elif kind == "visible":
            owner.visible_fields += 1

    def _resolve(self, url: str | None) -> str:
        absolute = urljoin(self.base_url, url or "")
        parts = urlsplit(absolute)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    def _submitter(self, attrs: dict[str, str | None], default_value: str) -> Submitter:
        formaction = attrs.get("formaction")
        formmethod = attrs.get("formmethod")
        return Submitter(
            name=attrs.get("name") or "",
            value=attrs.get("value") if attrs.get("value") is not None else default_value,
            action=self._resolve(formaction) if formaction is not None else None,
            method=formmethod.upper() if formmethod else None,
        )

    def handle_starttag(self, tag, attrs_list):
        attrs = dict(attrs_list)
        if tag == "a" and attrs.get("href"):
            self.links.append(attrs["href"])
        elif tag == "form":
            method = (attrs.get("method") or "get").upper()
            self._form = Form(
                action=self._resolve(attrs.get("action")),
                method="POST" if method == "POST" else "GET",
                fields=[],
                attrs={key: value or "" for key, value in attrs.items()},
            )
            self.forms.append(self._form)
            if attrs.get("id"):
                self._forms_by_id[attrs["id"]] = self._form
        elif tag == "input":
            self._input(attrs)
        elif tag == "select":
            self._select = {
                "owner": self._owner(attrs),
                "name": attrs.get("name"),
                "multiple": "multiple" in attrs,
                "disabled": "disabled" in attrs,
                "options": [],
            }
        elif tag == "option" and self._select is not None:
            self._option = {
                "value": attrs.get("value"),
                "selected": "selected" in attrs,
                "disabled": "disabled" in attrs,
                "text": "",
            }
            self._select["options"].append(self._option)
        elif tag == "textarea":
            self._textarea = {
                "owner": self._owner(attrs),
                "name": attrs.get("name"),
                "disabled": "disabled" in attrs,
                "text": "",
            }
        elif (
            tag == "button"
            and (attrs.get("type") or "submit").lower() == "submit"
            and "disabled" not in attrs
        ):
            self._add(self._owner(attrs), "submitter", self._submitter(attrs, ""))

    def handle_startendtag(self, tag, attrs_list):
        self.handle_starttag(tag, attrs_list)
        if tag in {"select", "textarea", "option", "form"}:
            self.handle_endtag(tag)

    def _input(self, attrs: dict[str, str | None]) -> None:
        kind = (attrs.get("type") or "text").lower()
        owner = self._owner(attrs)
        if "disabled" in attrs:
            return
        if kind == "file":
            self._add(owner, "file", None)
            return
        if kind in {"submit", "image"}:
            self._add(owner, "submitter", self._submitter(attrs, "Submit"))
            return
        if kind in {"button", "reset"} or not attrs.get("name"):
            return
        if kind != "hidden":
            self._add(owner, "visible", None)
        if _checkable(attrs):
            if "checked" in attrs:
                self._add(owner, "field", (attrs["name"], attrs.get("value") or "on"))
        else:
            self._add(owner, "field", (attrs["name"], attrs.get("value") or ""))

    def handle_data(self, data):
        if self._option is not None:
            self._option["text"] += data
        if self._textarea is not None:
            self._textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._form = None
        elif tag == "option":
            self._option = None
        elif tag == "select" and self._select is not None:
            self._close_select(self._select)
            self._select = self._option = None
        elif tag == "textarea" and self._textarea is not None:
            textarea = self._textarea
            self._textarea = None
            if textarea["name"] and not textarea["disabled"]:
                self._add(textarea["owner"], "visible", None)
                # A browser drops the one newline that follows the opening tag.
                text = textarea["text"].removeprefix("\r\n").removeprefix("\n")
                self._add(textarea["owner"], "field", (textarea["name"], text))

    def _close_select(self, select: dict) -> None:
        if not select["name"] or select["disabled"]:
            return
        self._add(select["owner"], "visible", None)
        options = select["options"]
        chosen = [option for option in options if option["selected"]]
        if not select["multiple"]:
            # Without a selected option a browser shows, and sends, the first enabled one.
            enabled = [option for option in options if not option["disabled"]]
            chosen = chosen[-1:] or enabled[:1]
        for option in chosen:
            if option["disabled"]:
                continue
            value = option["value"]
            if value is None:
                value = " ".join(option["text"].split())
            self._add(select["owner"], "field", (select["name"], value))

    def close(self):
        super().close()
        for form_id, (kind, item) in self._foreign:
            self._add(self._forms_by_id.get(form_id), kind, item)


def parse_page(url: str, html: str) -> tuple[list[Form], list[str]]:
    """The forms of an HTML page and the hrefs of its links, as written."""
    parser = _PageParser(url)
    parser.feed(html)
    parser.close()
    return parser.forms, parser.links


def url_name(path: str) -> str:
    try:
        match = resolve(urlsplit(path).path)
    except Resolver404:
        return ""
    return match.view_name or ""


def is_download(path: str) -> bool:
    return urlsplit(path).path.lower().endswith(DOWNLOAD_SUFFIXES)


def _crawlable(path: str) -> bool:
    return not urlsplit(path).path.startswith(SKIPPED_PREFIXES) and not is_download(path)


def _same_origin(base: str, href: str) -> str | None:
    """The absolute path (with query, without fragment) of a link that stays on the portal."""
    if href.startswith(("mailto:", "tel:", "javascript:", "data:", "#")):
        return None
    parts = urlsplit(urljoin(base, href))
    if parts.scheme not in {"http", "https", ""} or parts.netloc not in {"testserver", ""}:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")


def crawl(client, start_urls=("/",), *, limit: int = 300) -> list[Page]:
    """Walks the pages a logged-in client is shown, breadth first, from `start_urls`.

    One page per URL name (a client is one role, so this is one per name and role) and only
    the first query string of each path; no logout, admin or downloads. Redirects are not
    followed but their target is queued. Non-HTML answers are left out of the result. At most
    `limit` requests are made.
    """
    queue: deque[str] = deque()
    queued_paths: set[str] = set()
    seen_names: set[str] = set()
    pages: list[Page] = []

    def enqueue(path: str) -> None:
        bare = urlsplit(path).path
        if bare in queued_paths or not _crawlable(path):
            return
        name = url_name(path)
        if name and name in seen_names:
            return
        queued_paths.add(bare)
        if name:
            seen_names.add(name)
        queue.append(path)

    for start in start_urls:
        enqueue(start)
    requests = 0
    while queue and requests < limit:
        path = queue.popleft()
        response = client.get(path)
        requests += 1
        content_type = response.get("Content-Type", "").split(";")[0].strip()
        if response.status_code in {301, 302, 303, 307, 308}:
            target = _same_origin(path, response["Location"])
            if target:
                enqueue(target)
        if getattr(response, "streaming", False):
            response.close()
            continue
        if content_type != "text/html":
            continue
        html = response.content.decode(response.charset or "utf-8")
        forms, hrefs = parse_page(path, html)
        links = [link for href in hrefs if (link := _same_origin(path, href))]
        for link in links:
            enqueue(link)
        pages.append(
            Page(
                url=path,
                status=response.status_code,
                content_type=content_type,
                html=html,
                forms=forms,
                url_name=url_name(path),
                links=links,
            )
        )
    return pages
