"""Views of the stakeholder pages, one module per screen family; urls.py imports them from here."""

from .contacts import contact_create, contact_edit, contact_erase, contact_export
from .documents import mapping_pdf
from .imports import export, import_confirm, import_template, import_upload
from .members import balance, member_link
from .register import (
    stakeholder_create,
    stakeholder_detail,
    stakeholder_edit,
    stakeholder_grid,
    stakeholder_list,
    stakeholder_remove,
)
from .support import (
    gap_create,
    gap_delete,
    gap_edit,
    gap_list,
    programme_create,
    programme_delete,
    programme_edit,
    programme_list,
)

__all__ = [
    "balance",
    "contact_create",
    "contact_edit",
    "contact_erase",
    "contact_export",
    "export",
    "gap_create",
    "gap_delete",
    "gap_edit",
    "gap_list",
    "import_confirm",
    "import_template",
    "import_upload",
    "mapping_pdf",
    "member_link",
    "programme_create",
    "programme_delete",
    "programme_edit",
    "programme_list",
    "stakeholder_create",
    "stakeholder_detail",
    "stakeholder_edit",
    "stakeholder_grid",
    "stakeholder_list",
    "stakeholder_remove",
]
