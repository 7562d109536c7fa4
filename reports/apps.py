from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _

from stakeholders.signals import contact_erased


class ReportsConfig(AppConfig):
    name = "reports"
    verbose_name = _("Reports")

    def ready(self) -> None:
        # The archive export is built from every app's documents; the stakeholder register below
        # cannot call it, so it says when a person is erased and the archives that could hold
        # them go too.
        from .receivers import delete_archives_holding_contact

        contact_erased.connect(
            delete_archives_holding_contact, dispatch_uid="reports.delete_archives_on_erasure"
        )
        # The documents app below keeps the archive's coordinator report until what it shows
        # changes; it cannot import this app.
        from documents.registry import register

        from .documents import REPORT_KIND

        register(REPORT_KIND)
