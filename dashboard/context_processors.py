"""What the app shell around every page needs: the alliance switcher, the "My work" count and
the alliance's sections with the current one. Read lazily, so a page that shows no shell (a PDF,
an htmx fragment) costs nothing."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from django.urls import reverse
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from alliance_portal.permissions import Capability
from alliances.permissions import active_memberships_of
from alliances.selectors import alliance_switcher_for_user
from mywork.counts import remembered_waiting_count
from mywork.selectors import waiting_count


@dataclass(frozen=True)
class Section:
    name: str
    label: Promise
    home: str  # the URL name of the section's first page
    capability: str | None = None  # who sees it; everyone in the alliance when None
    secondary: bool = False  # listed apart, below the guide's sections


SECTIONS = (
    Section("overview", _("Overview"), "dashboard:alliance"),
    Section("stakeholders", _("Stakeholders"), "stakeholders:list"),
    Section("meetings", _("Meetings"), "meetings:list"),
    Section("plans", _("Action plans"), "actionplans:plans"),
    Section("agreement", _("Agreement"), "agreements:detail"),
    Section("outreach", _("Outreach"), "outreach:communication"),
    Section("sustainability", _("Evaluation and sustainability"), "sustainability:swots"),
    Section("reports", _("Reports"), "reports:index", Capability.EXPORT_REPORTS),
    Section("members", _("Members"), "alliances:members", secondary=True),
    Section("reminders", _("Reminders"), "reminders:alliance", Capability.MANAGE_REMINDERS, True),
    Section("audit", _("Audit log"), "alliances:audit_log", Capability.VIEW_AUDIT_LOG, True),
)
# A page belongs to the section of its URL's namespace; the alliances app's pages are the
# overview's, except the members' pages and the audit log.
SECTION_BY_NAMESPACE = {
    "dashboard": "overview",
    "alliances": "overview",
    "journey": "overview",
    "stakeholders": "stakeholders",
    "meetings": "meetings",
    "actionplans": "plans",
    "agreements": "agreement",
    "outreach": "outreach",
    "sustainability": "sustainability",
    "reports": "reports",
    "reminders": "reminders",
}
SECTION_BY_VIEW_NAME = {
    "alliances:members": "members",
    "alliances:member_edit": "members",
    "alliances:member_end": "members",
    "alliances:invite": "members",
    "alliances:hand_over": "members",
    "alliances:audit_log": "audit",
}


@dataclass(frozen=True)
class SectionLink:
    section: Section
    url: str
    current: str  # "page" on the section's first page, "location" below it, "" elsewhere


class Shell:
    def __init__(self, request):
        self.request = request
        match = getattr(request, "resolver_match", None)
        self.view_name = match.view_name if match else ""
        self.section = SECTION_BY_VIEW_NAME.get(self.view_name) or SECTION_BY_NAMESPACE.get(
            match.namespace if match else "", ""
        )

    def sections_for(self, access) -> list[SectionLink]:
        """The sections `access` may open in its alliance, in the guide's order."""
        links = []
        for section in SECTIONS:
            if section.capability and not access.can(section.capability):
                continue
            current = ""
            if section.name == self.section:
                current = "page" if self.view_name == section.home else "location"
            url = reverse(section.home, args=[access.alliance.pk])
            links.append(SectionLink(section, url, current))
        return links

    @cached_property
    def memberships(self) -> list:
        user = self.request.user
        if not user.is_authenticated:
            return []
        kept = active_memberships_of(user)
        return kept if kept is not None else list(alliance_switcher_for_user(user=user))

    @cached_property
    def waiting(self) -> int:
        user = self.request.user
        if not user.is_authenticated:
            return 0
        return remembered_waiting_count(
            user, lambda: waiting_count(user, memberships=self.memberships)
        )


def shell(request) -> dict:
    return {"shell": Shell(request)}
