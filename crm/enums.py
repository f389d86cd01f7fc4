"""Enumerations shared across features, with their bilingual labels.

Values are stored in the database (see ``db_types.str_enum``); labels are lazy
strings so they render in the language of the request that shows them.
"""

from __future__ import annotations

import enum

from .i18n import lazy_gettext as _l


class LabelledEnum(str, enum.Enum):
    """A string enum whose members carry a translatable label."""

    @property
    def label(self):
        return _LABELS[type(self).__name__][self.value]

    @classmethod
    def choices(cls):
        return [(m.value, m.label) for m in cls]


class Role(LabelledEnum):
    REP = "rep"
    MANAGER = "manager"
    ADMIN = "admin"


class CompanyKind(LabelledEnum):
    BROADCASTER = "broadcaster"
    STREAMING = "streaming"
    PRODUCER = "producer"
    ANIMATION_STUDIO = "animation_studio"
    DISTRIBUTOR = "distributor"
    FORMAT_OWNER = "format_owner"
    AGENCY = "agency"
    OTHER = "other"


class MeetingStatus(LabelledEnum):
    SCHEDULED = "scheduled"
    HELD = "held"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"


class LeadSource(LabelledEnum):
    EVENT = "event"
    MEETING = "meeting"
    REFERRAL = "referral"
    INBOUND = "inbound"
    OTHER = "other"


class LeadStatus(LabelledEnum):
    NEW = "new"
    QUALIFIED = "qualified"
    CONVERTED = "converted"
    DISQUALIFIED = "disqualified"


class Genre(LabelledEnum):
    ANIMATION = "animation"
    DOCUMENTARY = "documentary"
    DRAMA = "drama"
    VARIETY = "variety"
    FILM = "film"


class TitleStatus(LabelledEnum):
    IN_DEVELOPMENT = "in_development"
    IN_PRODUCTION = "in_production"
    COMPLETED = "completed"


class DealType(LabelledEnum):
    COPRODUCTION = "coproduction"
    DISTRIBUTION = "distribution"
    ACQUISITION = "acquisition"
    FORMAT = "format"
    PRESALE = "presale"


class RegulatoryStatus(LabelledEnum):
    NOT_NEEDED = "not_needed"
    TO_FILE = "to_file"
    FILED = "filed"
    APPROVED = "approved"
    REJECTED = "rejected"


class CoproductionStatus(LabelledEnum):
    NONE = "none"
    TREATY = "treaty"
    SARFT_ORDER_41 = "sarft_order_41"
    PENDING = "pending"


class Contribution(LabelledEnum):
    CASH = "cash"
    SERVICES = "services"
    PRESALES = "presales"
    SUBSIDIES = "subsidies"
    MIXED = "mixed"


class Medium(LabelledEnum):
    FREE_TV = "free_tv"
    PAY_TV = "pay_tv"
    SATELLITE = "satellite"
    SVOD = "svod"
    AVOD = "avod"
    TVOD = "tvod"
    THEATRICAL = "theatrical"
    HOME_VIDEO = "home_video"
    ANCILLARY = "ancillary"


class FeeKind(LabelledEnum):
    FLAT_FEE = "flat_fee"
    MINIMUM_GUARANTEE = "minimum_guarantee"
    REVENUE_SHARE = "revenue_share"
    BUYOUT = "buyout"


class FormatFeeBasis(LabelledEnum):
    PERCENT_OF_BUDGET = "percent_of_budget"
    PER_EPISODE = "per_episode"


class DocumentLanguage(LabelledEnum):
    EN = "en"
    ZH = "zh"
    BILINGUAL = "bilingual"


_LABELS = {
    "Role": {"rep": _l("Sales rep"), "manager": _l("Manager"), "admin": _l("Administrator")},
    "CompanyKind": {
        "broadcaster": _l("Broadcaster"),
        "streaming": _l("Streaming platform"),
        "producer": _l("Producer"),
        "animation_studio": _l("Animation studio"),
        "distributor": _l("Distributor / sales agent"),
        "format_owner": _l("Format owner"),
        "agency": _l("Agency"),
        "other": _l("Other"),
    },
    "MeetingStatus": {
        "scheduled": _l("Scheduled"),
        "held": _l("Held"),
        "no_show": _l("No-show"),
        "cancelled": _l("Cancelled"),
    },
    "LeadSource": {
        "event": _l("Event"),
        "meeting": _l("Meeting"),
        "referral": _l("Referral"),
        "inbound": _l("Inbound"),
        "other": _l("Other"),
    },
    "LeadStatus": {
        "new": _l("New"),
        "qualified": _l("Qualified"),
        "converted": _l("Converted"),
        "disqualified": _l("Disqualified"),
    },
    "Genre": {
        "animation": _l("Animation"),
        "documentary": _l("Documentary"),
        "drama": _l("Drama"),
        "variety": _l("Variety / format"),
        "film": _l("Film"),
    },
    "TitleStatus": {
        "in_development": _l("In development"),
        "in_production": _l("In production"),
        "completed": _l("Completed"),
    },
    "DealType": {
        "coproduction": _l("Co-production"),
        "distribution": _l("Distribution (licence out)"),
        "acquisition": _l("Acquisition (licence in)"),
        "format": _l("Format licence"),
        "presale": _l("Pre-sale"),
    },
    "RegulatoryStatus": {
        "not_needed": _l("Not needed"),
        "to_file": _l("To file"),
        "filed": _l("Filed"),
        "approved": _l("Approved"),
        "rejected": _l("Rejected"),
    },
    "CoproductionStatus": {
        "none": _l("Not official"),
        "treaty": _l("Treaty co-production"),
        "sarft_order_41": _l("Approved under SARFT Order 41"),
        "pending": _l("Application pending"),
    },
    "Contribution": {
        "cash": _l("Cash"),
        "services": _l("Services"),
        "presales": _l("Pre-sales"),
        "subsidies": _l("Subsidies"),
        "mixed": _l("Mixed"),
    },
    "Medium": {
        "free_tv": _l("Free TV"),
        "pay_tv": _l("Pay TV"),
        "satellite": _l("Satellite"),
        "svod": _l("SVOD"),
        "avod": _l("AVOD"),
        "tvod": _l("TVOD"),
        "theatrical": _l("Theatrical"),
        "home_video": _l("Home video"),
        "ancillary": _l("Airline / hotel / ship"),
    },
    "FeeKind": {
        "flat_fee": _l("Licence fee"),
        "minimum_guarantee": _l("Minimum guarantee"),
        "revenue_share": _l("Revenue share"),
        "buyout": _l("Buy-out"),
    },
    "FormatFeeBasis": {
        "percent_of_budget": _l("Percentage of production budget"),
        "per_episode": _l("Fee per episode"),
    },
    "DocumentLanguage": {"en": _l("English"), "zh": _l("Chinese"), "bilingual": _l("Bilingual")},
}
