from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..db_types import str_enum
from ..enums import CompanyKind
from ..extensions import db
from ..model_mixins import ArchivableMixin, BilingualNameMixin, TimestampMixin

HAS_A_NAME = "name_en IS NOT NULL OR name_zh IS NOT NULL"


class Company(BilingualNameMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A company in the shared address book (公司/客户)."""

    __tablename__ = "companies"
    __table_args__ = (
        sa.CheckConstraint(HAS_A_NAME, name="has_name"),
        sa.CheckConstraint("country IS NULL OR length(country) = 2", name="country_iso"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    legal_name_en: Mapped[str | None] = mapped_column(sa.String(300))
    legal_name_zh: Mapped[str | None] = mapped_column(sa.String(300))
    address_en: Mapped[str | None] = mapped_column(sa.Text)
    address_zh: Mapped[str | None] = mapped_column(sa.Text)
    country: Mapped[str | None] = mapped_column(sa.String(2), index=True)  # ISO 3166-1 alpha-2
    city: Mapped[str | None] = mapped_column(sa.String(120))
    kind: Mapped[CompanyKind] = mapped_column(str_enum(CompanyKind, "kind"), default=CompanyKind.OTHER)
    website: Mapped[str | None] = mapped_column(sa.String(300))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    # Lower-case names, pinyin and initials, for an indexed search (see search.py).
    search_key: Mapped[str] = mapped_column(sa.Text, default="")

    contacts: Mapped[list[Contact]] = relationship(back_populates="company")

    def __repr__(self) -> str:
        return f"<Company {self.id} {self.name_en or self.name_zh}>"


class Contact(BilingualNameMixin, ArchivableMixin, TimestampMixin, db.Model):
    """A person at a company (联系人)."""

    __tablename__ = "contacts"
    __table_args__ = (sa.CheckConstraint(HAS_A_NAME, name="has_name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    company_id: Mapped[int | None] = mapped_column(sa.ForeignKey("companies.id"), index=True)
    name_en: Mapped[str | None] = mapped_column(sa.String(200))
    name_zh: Mapped[str | None] = mapped_column(sa.String(200))
    job_title_en: Mapped[str | None] = mapped_column(sa.String(200))
    job_title_zh: Mapped[str | None] = mapped_column(sa.String(200))
    email: Mapped[str | None] = mapped_column(sa.String(254), index=True)
    phone: Mapped[str | None] = mapped_column(sa.String(64))
    wechat_id: Mapped[str | None] = mapped_column(sa.String(64), index=True)
    # Space-separated language codes, e.g. "zh en fr".
    languages: Mapped[str | None] = mapped_column(sa.String(64))
    notes: Mapped[str | None] = mapped_column(sa.Text)
    search_key: Mapped[str] = mapped_column(sa.Text, default="")

    company: Mapped[Company | None] = relationship(back_populates="contacts")

    def __repr__(self) -> str:
        return f"<Contact {self.id} {self.name_en or self.name_zh}>"


# List order: the name in the active language, then id (companies.queries / contacts.queries sort this way);
# with these the first page of a 20,000-row list is read in index order instead of sorting every row.
for _model in (Company, Contact):
    _table = _model.__tablename__
    sa.Index(f"ix_{_table}_name_en_order", sa.func.coalesce(_model.name_en, _model.name_zh), _model.id)
    sa.Index(f"ix_{_table}_name_zh_order", sa.func.coalesce(_model.name_zh, _model.name_en), _model.id)
