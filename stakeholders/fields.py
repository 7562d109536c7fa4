"""The fields of the register and the mapping that people set, by form, import or service."""

from __future__ import annotations

ORGANISATION_FIELDS = (
    "name",
    "category",
    "sector",
    "website",
    "address",
    "municipality",
    "latitude",
    "longitude",
)
ASSESSMENT_FIELDS = (
    "contribution",
    "what_matters",
    "impact",
    "interest",
    "engagement_strategy",
    "criteria",
    "notes",
    "status",
)
CONTACT_FIELDS = (
    "name",
    "title",
    "phone",
    "email",
    "preferred_language",
    "authority_to_commit",
    "authority_holder",
    "consent_basis",
    "consent_date",
)
PROGRAMME_FIELDS = (
    "name",
    "goals",
    "initiator",
    "activity_type",
    "cost",
    "availability_limits",
    "obstacles",
)
GAP_FIELDS = ("problem_area", "evidence", "priority")
