"""Every model, imported in one place so Alembic and the shell see them all."""

from . import append_only as _append_only
from .api.models import ApiToken
from .audit.models import AuditEntry
from .auth.models import User
from .auth.throttle import LoginFailure
from .companies.models import Company, Contact
from .deals import counterpart as _counterpart
from .deals.models import (
    CoproductionPartner,
    CoproductionTerms,
    Deal,
    DealMedium,
    DealTerritory,
    FormatTerms,
    LicenceTerms,
    PaymentInstalment,
    PipelineStage,
    RightsGrant,
    StageChange,
)
from .events.models import Event
from .imports.models import ImportUpload
from .leads.models import Lead
from .meetings.models import Meeting
from .rates.models import ExchangeRate
from .search_index import SearchTerm  # and the session events that keep search terms in sync
from .tasks.models import Note, Task
from .termsheets.models import TermSheet
from .titles.models import Title

_append_only.register(AuditEntry.metadata)
_counterpart.register(Deal.__table__)

__all__ = [
    "ApiToken", "AuditEntry", "Company", "Contact", "CoproductionPartner", "CoproductionTerms", "Deal",
    "DealMedium", "DealTerritory", "Event", "ExchangeRate", "FormatTerms", "ImportUpload", "Lead", "LicenceTerms",
    "LoginFailure", "Meeting", "Note", "PaymentInstalment", "PipelineStage", "RightsGrant", "SearchTerm", "StageChange",
    "Task", "TermSheet", "Title", "User",
]
