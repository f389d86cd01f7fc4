"""Deals, their pipeline stages, history, typed terms and the rights they grant."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..auth.models import User
from ..companies.models import HAS_A_NAME, Company, Contact
from ..db_types import ExactDecimal, Money, Percent, UTCDateTime, str_enum, utcnow
from ..enums import (
    Contribution,
    CoproductionStatus,
    DealType,
    FeeKind,
    FormatFeeBasis,
    Medium,
    RegulatoryStatus,
)
from ..events.models import Event
from ..extensions import db
from ..leads.models import Lead
from ..meetings.models import Meeting
from ..model_mixins import ArchivableMixin, BilingualNameMixin, TimestampMixin
from ..titles.models import Title

CURRENCY_ISO = "length({col}) = 3 AND upper({col}) = {col}"
PERCENT_RANGE = "{col} IS NULL OR ({col} >= 0 AND {col} <= 100)"


def _currency_check(col: str, nullable: bool = False) -> sa.CheckConstraint:
    sql = CURRENCY_ISO.format(col=col)
    if nullable:
        sql = f"{col} IS NULL OR ({sql})"
    return sa.CheckConstraint(sql, name=f"{col}_iso")


def _percent_check(col: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(PERCENT_RANGE.format(col=col), name=f"{col}_range")


def _non_negative(col: str) -> sa.CheckConstraint:
    return sa.CheckConstraint(f"{col} IS NULL OR {col} >= 0", name=f"{col}_non_negative")


class PipelineStage(db.Model):
    """A stage of one deal type's pipeline; admins configure them."""

    __tablename__ = "pipeline_stages"
    __table_args__ = (
        sa.UniqueConstraint("deal_type", "key"),
        sa.CheckConstraint("probability >= 0 AND probability <= 100", name="probability_range"),
        sa.CheckConstraint("NOT (is_won AND is_lost)", name="won_or_lost"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_type: Mapped[DealType] = mapped_column(str_enum(DealType, "deal_type"))
    key: Mapped[str] = mapped_column(sa.String(40))  # stable slug, e.g. "negotiation"
    name_en: Mapped[str] = mapped_column(sa.String(120))
    name_zh: Mapped[str] = mapped_column(sa.String(120))
    position: Mapped[int]
    probability: Mapped[int]  # win probability in percent
    is_won: Mapped[bool] = mapped_column(default=False)
    is_lost: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)

    def display_name(self, lang: str = "en") -> str:
        return self.name_zh if lang.startswith("zh") else self.name_en

    @property
    def is_closed(self) -> bool:
        return self.is_won or self.is_lost


deal_titles = sa.Table(
    "deal_titles",
    db.metadata,
    sa.Column("deal_id", sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("title_id", sa.ForeignKey("titles.id"), primary_key=True),
    # Rights checks look deals up by title.
    sa.Index("ix_deal_titles_title_id", "title_id"),
)

deal_contacts = sa.Table(
    "deal_contacts",
    db.metadata,
    sa.Column("deal_id", sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("contact_id", sa.ForeignKey("contacts.id"), primary_key=True),
)


class Deal(BilingualNameMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A deal or opportunity (交易/商机) moving through its type's pipeline."""

    __tablename__ = "deals"
    __table_args__ = (
        sa.CheckConstraint(HAS_A_NAME, name="has_name"),
        _non_negative("amount"),
        _currency_check("currency"),
        sa.Index("ix_deals_owner_stage", "owner_id", "stage_id"),
        sa.Index("ix_deals_type_stage", "deal_type", "stage_id"),
        # The pipeline board (crm/deals/queries.py) and the dashboard's open-deals pass
        # (crm/dashboards/figures.py): counts and per-currency sums (the dashboard's by owner and
        # "stuck" too) read this covering index only, in its GROUP BY order; each board
        # column's newest cards come off the second.
        sa.Index("ix_deals_open_totals", "deal_type", "stage_id", "currency", "owner_id", "archived_at",
                 "stage_entered_at", "amount"),
        sa.Index("ix_deals_board_cards", "deal_type", "stage_id", "stage_entered_at", "id"),
        # The dashboard's open deals by counterpart country (in GROUP BY order, no sort; on
        # PostgreSQL by stage and owner too, hashed in the same read) and by forecast month (one
        # range a month) read these alone (crm/dashboards/figures.py, migration 0009). owner_id:
        # a rep's or an owner's figures are covered too.
        sa.Index("ix_deals_open_country", "archived_at", "stage_id", "counterpart_country", "currency", "amount",
                 "owner_id", "stage_entered_at"),
        sa.Index("ix_deals_open_close", "archived_at", "expected_close_date", "currency", "stage_id", "amount",
                 "owner_id"),
        # The dashboard's won and lost in a period: (stage, currency) sums in index order, the
        # period a range within each (migration 0009; 0008 had closed_at first).
        sa.Index("ix_deals_closed", "archived_at", "stage_id", "currency", "closed_at", "amount", "owner_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_type: Mapped[DealType] = mapped_column(str_enum(DealType, "deal_type"))
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    stage_id: Mapped[int] = mapped_column(sa.ForeignKey("pipeline_stages.id"))
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    # The company's country, copied by the database (crm/deals/counterpart.py); never written here.
    counterpart_country: Mapped[str | None] = mapped_column(
        sa.String(2), server_default=sa.FetchedValue(), server_onupdate=sa.FetchedValue()
    )
    amount: Mapped[Decimal] = mapped_column(Money(), default=Decimal("0.00"))
    currency: Mapped[str] = mapped_column(sa.String(3))
    # Frozen when the deal is won (rates.services.freeze_rate): units of ``currency``
    # per 1 base currency on ``fx_rate_date``; conversions of a won deal use it.
    fx_rate: Mapped[Decimal | None] = mapped_column(ExactDecimal(15, 6))
    fx_rate_date: Mapped[dt.date | None]
    expected_close_date: Mapped[dt.date | None] = mapped_column(index=True)
    lead_id: Mapped[int | None] = mapped_column(sa.ForeignKey("leads.id"))
    meeting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("meetings.id"))
    event_id: Mapped[int | None] = mapped_column(sa.ForeignKey("events.id"), index=True)
    regulatory_status: Mapped[RegulatoryStatus] = mapped_column(
        str_enum(RegulatoryStatus, "regulatory_status"), default=RegulatoryStatus.NOT_NEEDED
    )
    stage_entered_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    signed_on: Mapped[dt.date | None]
    closed_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    won_reason: Mapped[str | None] = mapped_column(sa.Text)
    lost_reason: Mapped[str | None] = mapped_column(sa.Text)
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Optimistic locking: an UPDATE whose version is stale changes no row.
    version: Mapped[int] = mapped_column(default=1)

    __mapper_args__ = {"version_id_col": version}

    stage: Mapped[PipelineStage] = relationship()
    owner: Mapped[User] = relationship()
    company: Mapped[Company] = relationship()
    lead: Mapped[Lead | None] = relationship()
    meeting: Mapped[Meeting | None] = relationship()
    event: Mapped[Event | None] = relationship()
    titles: Mapped[list[Title]] = relationship(secondary=deal_titles)
    contacts: Mapped[list[Contact]] = relationship(secondary=deal_contacts)
    territories: Mapped[list[DealTerritory]] = relationship(cascade="all, delete-orphan")
    media: Mapped[list[DealMedium]] = relationship(cascade="all, delete-orphan")
    coproduction: Mapped[CoproductionTerms | None] = relationship(cascade="all, delete-orphan")
    licence: Mapped[LicenceTerms | None] = relationship(cascade="all, delete-orphan")
    format_terms: Mapped[FormatTerms | None] = relationship(cascade="all, delete-orphan")
    payments: Mapped[list[PaymentInstalment]] = relationship(
        cascade="all, delete-orphan", order_by="PaymentInstalment.sequence"
    )
    history: Mapped[list[StageChange]] = relationship(
        order_by="StageChange.changed_at.desc()", viewonly=True
    )


class DealTerritory(db.Model):
    """One territory code of a deal: ISO 3166-1 alpha-2 or a named group (see territories.py)."""

    __tablename__ = "deal_territories"

    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    # True for "worldwide excluding <code>".
    excluded: Mapped[bool] = mapped_column(default=False)


class DealMedium(db.Model):
    __tablename__ = "deal_media"

    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    medium: Mapped[Medium] = mapped_column(str_enum(Medium, "medium"), primary_key=True)


class StageChange(db.Model):
    """Append-only history of a deal's stage moves (written with the move)."""

    __tablename__ = "stage_changes"
    __table_args__ = (
        sa.CheckConstraint(
            "seconds_in_previous_stage IS NULL OR seconds_in_previous_stage >= 0", name="duration_non_negative"
        ),
        sa.Index("ix_stage_changes_deal_at", "deal_id", "changed_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id"))
    from_stage_id: Mapped[int | None] = mapped_column(sa.ForeignKey("pipeline_stages.id"))
    to_stage_id: Mapped[int] = mapped_column(sa.ForeignKey("pipeline_stages.id"))
    changed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    seconds_in_previous_stage: Mapped[int | None] = mapped_column(sa.BigInteger)
    reason: Mapped[str | None] = mapped_column(sa.Text)

    from_stage: Mapped[PipelineStage | None] = relationship(foreign_keys=[from_stage_id])
    to_stage: Mapped[PipelineStage] = relationship(foreign_keys=[to_stage_id])
    changed_by: Mapped[User | None] = relationship()


class CoproductionTerms(db.Model):
    __tablename__ = "coproduction_terms"
    __table_args__ = (
        _non_negative("budget"),
        _currency_check("budget_currency", nullable=True),
        sa.CheckConstraint("episodes IS NULL OR episodes > 0", name="episodes_positive"),
        sa.CheckConstraint("episode_minutes IS NULL OR episode_minutes > 0", name="minutes_positive"),
    )

    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    working_title: Mapped[str | None] = mapped_column(sa.String(200))
    budget: Mapped[Decimal | None] = mapped_column(Money())
    budget_currency: Mapped[str | None] = mapped_column(sa.String(3))
    episodes: Mapped[int | None]
    episode_minutes: Mapped[int | None]
    language: Mapped[str | None] = mapped_column(sa.String(32))
    underlying_ip: Mapped[str | None] = mapped_column(sa.String(300))
    official_status: Mapped[CoproductionStatus] = mapped_column(
        str_enum(CoproductionStatus, "official_status"), default=CoproductionStatus.NONE
    )
    creative_control: Mapped[str | None] = mapped_column(sa.Text)
    overruns: Mapped[str | None] = mapped_column(sa.Text)
    completion_bond: Mapped[bool] = mapped_column(default=False)
    delivery_date: Mapped[dt.date | None]

    partners: Mapped[list[CoproductionPartner]] = relationship(
        cascade="all, delete-orphan", order_by="CoproductionPartner.id"
    )


class CoproductionPartner(db.Model):
    """A partner's financing and IP share; shares add up to 100% (checked by the deal service)."""

    __tablename__ = "coproduction_partners"
    __table_args__ = (
        sa.UniqueConstraint("deal_id", "company_id"),
        sa.CheckConstraint("financing_share >= 0 AND financing_share <= 100", name="financing_share_range"),
        sa.CheckConstraint("ip_share >= 0 AND ip_share <= 100", name="ip_share_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("coproduction_terms.deal_id", ondelete="CASCADE"))
    company_id: Mapped[int] = mapped_column(sa.ForeignKey("companies.id"))
    financing_share: Mapped[Decimal] = mapped_column(Percent())
    ip_share: Mapped[Decimal] = mapped_column(Percent())
    contribution: Mapped[Contribution] = mapped_column(
        str_enum(Contribution, "contribution"), default=Contribution.CASH
    )
    # Territory codes the partner keeps, space separated (e.g. "CN" or "FR BE").
    territories_retained: Mapped[str | None] = mapped_column(sa.String(200))

    company: Mapped[Company] = relationship()


class LicenceTerms(db.Model):
    """Terms of distribution, acquisition and pre-sale deals."""

    __tablename__ = "licence_terms"
    __table_args__ = (
        sa.CheckConstraint(
            "licence_end IS NULL OR licence_start IS NULL OR licence_end >= licence_start",
            name="period_order",
        ),
        sa.CheckConstraint("runs IS NULL OR runs > 0", name="runs_positive"),
        _non_negative("minimum_guarantee"),
        _percent_check("revenue_share"),
        _percent_check("agent_commission"),
        sa.CheckConstraint("holdback_months IS NULL OR holdback_months >= 0", name="holdback_non_negative"),
    )

    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    exclusive: Mapped[bool] = mapped_column(default=True)
    licence_start: Mapped[dt.date | None]
    licence_end: Mapped[dt.date | None]
    # The period may start on the date of the Chinese import permit.
    starts_on_permit: Mapped[bool] = mapped_column(default=False)
    runs: Mapped[int | None]
    # ISO 639-1 codes, space separated, for dubbing and subtitles.
    languages: Mapped[str | None] = mapped_column(sa.String(64))
    fee_kind: Mapped[FeeKind] = mapped_column(str_enum(FeeKind, "fee_kind"), default=FeeKind.FLAT_FEE)
    minimum_guarantee: Mapped[Decimal | None] = mapped_column(Money())
    revenue_share: Mapped[Decimal | None] = mapped_column(Percent())
    agent_commission: Mapped[Decimal | None] = mapped_column(Percent())
    holdback_months: Mapped[int | None]
    holdbacks: Mapped[str | None] = mapped_column(sa.Text)
    first_run_obligation: Mapped[str | None] = mapped_column(sa.String(300))


class FormatTerms(db.Model):
    __tablename__ = "format_terms"
    __table_args__ = (
        sa.CheckConstraint("episodes IS NULL OR episodes > 0", name="episodes_positive"),
        sa.CheckConstraint("seasons IS NULL OR seasons > 0", name="seasons_positive"),
        _percent_check("fee_percent"),
        _non_negative("fee_per_episode"),
        _non_negative("local_budget"),
        _percent_check("backend_share"),
        sa.CheckConstraint("option_seasons IS NULL OR option_seasons >= 0", name="options_non_negative"),
        sa.CheckConstraint("consultancy_days IS NULL OR consultancy_days >= 0", name="consultancy_non_negative"),
    )

    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"), primary_key=True)
    platform: Mapped[str | None] = mapped_column(sa.String(120))
    episodes: Mapped[int | None]
    seasons: Mapped[int | None]
    exclusive: Mapped[bool] = mapped_column(default=True)
    fee_basis: Mapped[FormatFeeBasis] = mapped_column(
        str_enum(FormatFeeBasis, "fee_basis"), default=FormatFeeBasis.PERCENT_OF_BUDGET
    )
    fee_percent: Mapped[Decimal | None] = mapped_column(Percent())
    fee_per_episode: Mapped[Decimal | None] = mapped_column(Money())
    local_budget: Mapped[Decimal | None] = mapped_column(Money())
    option_seasons: Mapped[int | None]
    production_bible: Mapped[bool] = mapped_column(default=True)
    consultancy_days: Mapped[int | None]
    backend_share: Mapped[Decimal | None] = mapped_column(Percent())


class PaymentInstalment(db.Model):
    """One instalment of a deal's payment schedule (a share of the deal amount)."""

    __tablename__ = "payment_instalments"
    __table_args__ = (
        sa.UniqueConstraint("deal_id", "sequence"),
        sa.CheckConstraint("percent > 0 AND percent <= 100", name="percent_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    deal_id: Mapped[int] = mapped_column(sa.ForeignKey("deals.id", ondelete="CASCADE"))
    sequence: Mapped[int]
    percent: Mapped[Decimal] = mapped_column(Percent())
    trigger_en: Mapped[str] = mapped_column(sa.String(200))  # e.g. "on signature"
    trigger_zh: Mapped[str | None] = mapped_column(sa.String(200))


rights_grant_territories = sa.Table(
    "rights_grant_territories",
    db.metadata,
    sa.Column("grant_id", sa.ForeignKey("rights_grants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("code", sa.String(32), primary_key=True),
    sa.Column("excluded", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_rights_grant_territories_code", "code"),
)

rights_grant_media = sa.Table(
    "rights_grant_media",
    db.metadata,
    sa.Column("grant_id", sa.ForeignKey("rights_grants.id", ondelete="CASCADE"), primary_key=True),
    sa.Column("medium", str_enum(Medium, "medium"), primary_key=True),
)


class RightsGrant(db.Model):
    """Rights in a title granted (or acquired) for territories, media and a period."""

    __tablename__ = "rights_grants"
    __table_args__ = (
        sa.CheckConstraint("ends_on >= starts_on", name="period_order"),
        sa.Index("ix_rights_grants_title_period", "title_id", "starts_on", "ends_on"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    title_id: Mapped[int] = mapped_column(sa.ForeignKey("titles.id"))
    deal_id: Mapped[int | None] = mapped_column(sa.ForeignKey("deals.id"), index=True)
    exclusive: Mapped[bool] = mapped_column(default=True)
    starts_on: Mapped[dt.date]
    ends_on: Mapped[dt.date]
    languages: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    title: Mapped[Title] = relationship()
    deal: Mapped[Deal | None] = relationship()
