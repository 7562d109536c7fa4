"""The stakeholder register (organisations and their contact people), each alliance's
assessment of them with the guide's mapping tool, support programmes and gaps."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from alliance_portal.exceptions import InvalidTransition

ERR_ORGANISATION_EXISTS = _(
    "An organisation with this name is already registered in this municipality."
)
ERR_CONTACT_EMAIL_EXISTS = _("A contact person with this email address is already registered.")
ERR_AUTHORITY_HOLDER = _(
    "Say who can commit the organisation when this person cannot, or choose “Unknown”."
)
ERR_CONSENT_DATE = _("Give the date the basis was recorded, or leave the basis empty.")
ERR_CONSENT_IN_FUTURE = _("The date the basis was recorded cannot be in the future.")
ERR_COORDINATES = _("Give both latitude and longitude, or neither.")
ERR_CONTACT_ERASED = _("This contact has been erased; their details can no longer be changed.")
ERR_STATUS_CHANGE = _("The engagement status cannot go from “%(from)s” to “%(to)s”.")
ERASED_NAME = _("Erased contact")


class Category(models.TextChoices):
    SOCIAL_WORK = "social_work", _("Social work")
    CULTURE_SPORTS = "culture_sports", _("Culture and sports")
    INTEGRATION = "integration", _("Professional and economic integration")
    PUBLIC_AUTHORITY = "public_authority", _("Public authority or municipal department")
    MIGRANT_ORGANISATION = "migrant_org", _("Migrant or refugee organisation")
    NGO = "ngo", _("NGO")
    FAITH = "faith", _("Faith community")
    EDUCATION = "education", _("Education")
    BUSINESS = "business", _("Business")
    VOLUNTEER_CENTRE = "volunteer_centre", _("Volunteer centre")
    OTHER = "other", _("Other")


class Sector(models.TextChoices):
    PUBLIC = "public", _("Public")
    NON_PROFIT = "non_profit", _("Non-profit")
    BUSINESS = "business", _("Business")
    OTHER = "other", _("Other")


class Level(models.IntegerChoices):
    """The guide's low / medium / high scale; numbers so that sorting follows the scale."""

    # A level agrees with "interest" and "impact", a priority with its own noun: in French and
    # Arabic the two take different forms.
    LOW = 1, pgettext_lazy("level of interest or impact", "Low")
    MEDIUM = 2, pgettext_lazy("level of interest or impact", "Medium")
    HIGH = 3, pgettext_lazy("level of interest or impact", "High")


class Organisation(models.Model):
    """One organisation in the register that all alliances on the portal share.

    Facts about the organisation live here; what an alliance thinks of it, its notes and the
    people it knows there belong to that alliance (Stakeholder, Contact). A coordinator of any
    alliance that maps the organisation may correct its facts; every change is recorded in the
    audit log with the alliance that made it and shown on the stakeholder page.
    """

    name = models.CharField(_("name"), max_length=200)
    category = models.CharField(
        _("category"), max_length=32, choices=Category.choices, default=Category.OTHER
    )
    sector = models.CharField(
        _("sector"), max_length=16, choices=Sector.choices, default=Sector.OTHER
    )
    website = models.URLField(_("website"), max_length=500, blank=True)
    address = models.TextField(_("address"), max_length=500, blank=True)
    municipality = models.CharField(_("municipality"), max_length=100, blank=True)
    latitude = models.DecimalField(
        _("latitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-90), MaxValueValidator(90)],
    )
    longitude = models.DecimalField(
        _("longitude"),
        max_digits=9,
        decimal_places=6,
        null=True,
        blank=True,
        validators=[MinValueValidator(-180), MaxValueValidator(180)],
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                Lower("municipality"),
                name="one_organisation_per_name_and_municipality",
                violation_error_message=ERR_ORGANISATION_EXISTS,
            )
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.municipality})" if self.municipality else self.name

    def clean(self) -> None:
        if (self.latitude is None) != (self.longitude is None):
            raise ValidationError({"longitude": ERR_COORDINATES})


class Authority(models.TextChoices):
    YES = "yes", _("Yes")
    NO = "no", _("No")
    UNKNOWN = "unknown", _("Unknown")


class ConsentBasis(models.TextChoices):
    CONSENT = "consent", _("Consent given by the person")
    LEGITIMATE_INTEREST = "legitimate_interest", _("Legitimate interest")
    PUBLIC_TASK = "public_task", _("Public task")


class Contact(models.Model):
    """A contact person at an organisation, in the register of the alliance that recorded them.

    The alliance is the controller of this personal data: no other alliance sees, exports,
    edits or erases it, even one that maps the same organisation. Erasing blanks every personal
    field.
    """

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("alliance"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        related_name="contacts",
        verbose_name=_("organisation"),
    )
    name = models.CharField(_("name"), max_length=200)
    title = models.CharField(_("role or title"), max_length=200, blank=True)
    phone = models.CharField(_("phone"), max_length=50, blank=True)
    email = models.EmailField(_("email"), max_length=254, blank=True)
    preferred_language = models.CharField(
        _("preferred language"), max_length=8, choices=settings.LANGUAGES, blank=True
    )
    authority_to_commit = models.CharField(
        _("authority to commit the organisation"),
        max_length=8,
        choices=Authority.choices,
        default=Authority.UNKNOWN,
    )
    authority_holder = models.CharField(
        _("who has the authority"),
        max_length=200,
        blank=True,
        help_text=_("When this person cannot commit the organisation: who can?"),
    )
    consent_basis = models.CharField(
        _("basis for contacting"), max_length=32, choices=ConsentBasis.choices, blank=True
    )
    consent_date = models.DateField(
        _("basis recorded on"),
        null=True,
        blank=True,
        help_text=_("When the person gave consent, or when the basis was assessed."),
    )
    erased_at = models.DateTimeField(_("erased"), null=True, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    PERSONAL_FIELDS = (
        "name",
        "title",
        "phone",
        "email",
        "preferred_language",
        "authority_holder",
        "consent_basis",
        "consent_date",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = _("contact person")
        verbose_name_plural = _("contact people")
        constraints = [
            models.UniqueConstraint(
                "alliance",
                Lower("email"),
                condition=~Q(email=""),
                name="one_contact_per_email_in_alliance",
                violation_error_message=ERR_CONTACT_EMAIL_EXISTS,
            )
        ]
        indexes = [models.Index(fields=["alliance", "organisation"])]

    def __str__(self) -> str:
        return self.name

    @property
    def is_erased(self) -> bool:
        return self.erased_at is not None

    @property
    def audit_label(self) -> str:
        """How the audit log names a contact: never by name, so erasure leaves nothing behind."""
        return f"contact #{self.pk}"

    def clean(self) -> None:
        errors = {}
        if self.authority_to_commit == Authority.NO and not self.authority_holder.strip():
            errors["authority_holder"] = ERR_AUTHORITY_HOLDER
        if self.consent_basis and not self.consent_date:
            errors["consent_date"] = ERR_CONSENT_DATE
        if self.consent_date and self.consent_date > timezone.localdate():
            errors["consent_date"] = ERR_CONSENT_IN_FUTURE
        if errors:
            raise ValidationError(errors)

    def erase(self) -> None:
        """Blank every personal field; the row stays so assessments and counts still add up."""
        if self.is_erased:
            raise InvalidTransition(ERR_CONTACT_ERASED)
        for field in self.PERSONAL_FIELDS:
            setattr(self, field, None if field == "consent_date" else "")
        self.name = str(ERASED_NAME)
        self.authority_to_commit = Authority.UNKNOWN
        self.erased_at = timezone.now()


class EngagementStatus(models.TextChoices):
    IDENTIFIED = "identified", _("Identified")
    CONTACTED = "contacted", _("Contacted")
    INVITED = "invited", _("Invited")
    ENGAGED = "engaged", _("Engaged")
    MEMBER = "member", _("Member")
    DECLINED = "declined", _("Declined")


# The guide's path runs identified → contacted → invited → engaged → member; steps may be
# skipped. Anyone not yet a member may decline, and someone who declined may be approached again.
_PATH = [
    EngagementStatus.IDENTIFIED,
    EngagementStatus.CONTACTED,
    EngagementStatus.INVITED,
    EngagementStatus.ENGAGED,
    EngagementStatus.MEMBER,
]
ALLOWED_STATUS_CHANGES: dict[str, set[str]] = {
    status: {*_PATH[index + 1 :], EngagementStatus.DECLINED}
    for index, status in enumerate(_PATH[:-1])
}
ALLOWED_STATUS_CHANGES[EngagementStatus.MEMBER] = {EngagementStatus.ENGAGED}
ALLOWED_STATUS_CHANGES[EngagementStatus.DECLINED] = {
    EngagementStatus.IDENTIFIED,
    EngagementStatus.CONTACTED,
}


class Stakeholder(models.Model):
    """One alliance's assessment of one organisation: the guide's mapping tool, one row."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="stakeholders",
        verbose_name=_("alliance"),
    )
    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.PROTECT,
        related_name="assessments",
        verbose_name=_("organisation"),
    )
    contribution = models.TextField(_("how can they contribute?"), max_length=5000, blank=True)
    what_matters = models.TextField(_("what matters to them?"), max_length=5000, blank=True)
    impact = models.PositiveSmallIntegerField(
        _("impact on the alliance"), choices=Level.choices, default=Level.MEDIUM
    )
    interest = models.PositiveSmallIntegerField(
        _("interest"), choices=Level.choices, default=Level.MEDIUM
    )
    engagement_strategy = models.TextField(_("engagement strategy"), max_length=5000, blank=True)
    criteria = models.TextField(_("the alliance's own criteria"), max_length=5000, blank=True)
    notes = models.TextField(_("notes"), max_length=5000, blank=True)
    status = models.CharField(
        _("engagement status"),
        max_length=16,
        choices=EngagementStatus.choices,
        default=EngagementStatus.IDENTIFIED,
    )
    status_changed_at = models.DateTimeField(_("status changed"), default=timezone.now)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["organisation__name"]
        verbose_name = _("stakeholder")
        verbose_name_plural = _("stakeholders")
        constraints = [
            models.UniqueConstraint(
                fields=["alliance", "organisation"], name="one_assessment_per_alliance"
            )
        ]
        indexes = [models.Index(fields=["alliance", "status"])]

    def __str__(self) -> str:
        return str(self.organisation)

    def change_status(self, new_status: str) -> None:
        """Move along the guide's engagement path; refuses a jump the path does not allow."""
        if new_status == self.status:
            return
        if new_status not in ALLOWED_STATUS_CHANGES.get(self.status, set()):
            raise InvalidTransition(
                ERR_STATUS_CHANGE
                % {
                    "from": EngagementStatus(self.status).label,
                    "to": EngagementStatus(new_status).label,
                }
            )
        self.status = new_status
        self.status_changed_at = timezone.now()


class Priority(models.IntegerChoices):
    LOW = 1, pgettext_lazy("priority", "Low")
    MEDIUM = 2, pgettext_lazy("priority", "Medium")
    HIGH = 3, pgettext_lazy("priority", "High")


class SupportProgramme(models.Model):
    """An existing support programme or measure in the region (the guide's step 3)."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="support_programmes",
        verbose_name=_("alliance"),
    )
    name = models.CharField(_("name"), max_length=200)
    goals = models.TextField(_("goals"), max_length=5000, blank=True)
    initiator = models.CharField(_("initiator"), max_length=200, blank=True)
    activity_type = models.CharField(_("type of activity"), max_length=200, blank=True)
    cost = models.CharField(
        _("cost"), max_length=200, blank=True, help_text=_("E.g. free, or a fee per participant.")
    )
    availability_limits = models.TextField(_("limits to availability"), max_length=5000, blank=True)
    obstacles = models.TextField(_("obstacles"), max_length=5000, blank=True)
    organisations = models.ManyToManyField(
        Organisation,
        blank=True,
        related_name="support_programmes",
        verbose_name=_("linked organisations"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("support programme")
        verbose_name_plural = _("support programmes")

    def __str__(self) -> str:
        return self.name


class Gap(models.Model):
    """A need that no existing programme meets; actions in the action plan can address it."""

    alliance = models.ForeignKey(
        "alliances.Alliance",
        on_delete=models.CASCADE,
        related_name="gaps",
        verbose_name=_("alliance"),
    )
    problem_area = models.CharField(_("problem area"), max_length=200)
    evidence = models.TextField(_("evidence"), max_length=5000, blank=True)
    programmes = models.ManyToManyField(
        SupportProgramme,
        blank=True,
        related_name="gaps",
        verbose_name=_("linked programmes"),
    )
    priority = models.PositiveSmallIntegerField(
        _("priority"), choices=Priority.choices, default=Priority.MEDIUM
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        ordering = ["-priority", "problem_area"]
        verbose_name = _("gap")
        verbose_name_plural = _("gaps")

    def __str__(self) -> str:
        return self.problem_area
