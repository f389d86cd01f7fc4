"""/api/v1/companies and /api/v1/contacts: the shared address book (every role reads and writes it)."""

from __future__ import annotations

import marshmallow as ma
from flask import request
from marshmallow import validate

from ...companies.models import Company, Contact
from ...companies.queries import CompanyFilters, company_query
from ...companies.services import (
    AddressBookError,
    archive_record,
    create_company,
    create_contact,
    update_company,
    update_contact,
)
from ...contacts.queries import ContactFilters, contact_query
from ...enums import CompanyKind
from ...extensions import db
from ...listing import paginate
from .. import fields as f
from ..core import Blueprint, Resource, get_or_404, page_body
from ..errors import ApiError, api_language, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

companies = Blueprint("api_companies", __name__, url_prefix="/api/v1/companies",
                      description="Companies (公司/客户): the shared address book.")
contacts = Blueprint("api_contacts", __name__, url_prefix="/api/v1/contacts",
                     description="Contacts (联系人) at companies.")

ARCHIVED = validate.OneOf(["", "1", "all"], error="Must be one of: {choices}.")


class CompanySchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    legal_name_en = f.String(max_length=300, allow_none=True)
    legal_name_zh = f.String(max_length=300, allow_none=True)
    address_en = f.String(max_length=2000, allow_none=True)
    address_zh = f.String(max_length=2000, allow_none=True)
    country = f.String(allow_none=True, validate=[validate.Regexp(r"^[A-Za-z]{2}$", error="Invalid value.")],
                       metadata={"description": "ISO 3166-1 alpha-2, e.g. CN or FR", "pattern": "^[A-Za-z]{2}$"})
    city = f.String(max_length=120, allow_none=True)
    kind = f.Enum(CompanyKind, load_default=None, allow_none=True)
    website = f.String(max_length=300, allow_none=True)
    notes = f.String(max_length=20000, allow_none=True)
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class CompanyPatchSchema(CompanySchema):
    kind = f.Enum(CompanyKind, allow_none=True)


class CompanyQuerySchema(ListQuerySchema):
    q = f.String(max_length=100, load_default="", metadata={"description": "Search names (also pinyin, initials)"})
    country = f.String(max_length=2, load_default=None)
    kind = f.Enum(CompanyKind, load_default=None)
    archived = f.String(load_default="", validate=[ARCHIVED],
                        metadata={"description": '"" active only, "1" archived only, "all" both'})
    sort = f.String(load_default="name", validate=[validate.OneOf(
        ["name", "-name", "country", "-country", "kind", "-kind", "created", "-created"],
        error="Must be one of: {choices}.")])


class ContactSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    company_id = f.Id(allow_none=True)
    name_en = f.String(max_length=200, allow_none=True)
    name_zh = f.String(max_length=200, allow_none=True)
    job_title_en = f.String(max_length=200, allow_none=True)
    job_title_zh = f.String(max_length=200, allow_none=True)
    email = f.Email(allow_none=True)
    phone = f.String(max_length=64, allow_none=True)
    wechat_id = f.String(max_length=64, allow_none=True)
    languages = f.String(max_length=64, allow_none=True, metadata={"description": 'Codes, space separated: "zh en"'})
    notes = f.String(max_length=20000, allow_none=True)
    archived_at = f.AwareDateTime(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)
    updated_at = f.AwareDateTime(dump_only=True)


class ContactQuerySchema(ListQuerySchema):
    q = f.String(max_length=100, load_default="")
    company_id = f.Id(strict=False, load_default=None)
    archived = f.String(load_default="", validate=[ARCHIVED])
    sort = f.String(load_default="name", validate=[validate.OneOf(
        ["name", "-name", "company", "-company", "email", "-email"], error="Must be one of: {choices}.")])


CompanyPage = page_schema(CompanySchema, "CompanyPage")
ContactPage = page_schema(ContactSchema, "ContactPage")


def _address_book_error(exc: AddressBookError) -> ApiError:
    return ApiError(422, errors={"name_en": [exc.args[0]]})


def get_company(company_id: int) -> Company:
    return get_or_404(Company, company_id)


def check_company_exists(company_id: int | None, field: str = "company_id") -> None:
    from ...i18n import lazy_gettext as _l

    if company_id is not None and db.session.get(Company, company_id) is None:
        raise ApiError(422, errors={field: [_l("No company with this id.")]})


@companies.route("")
class Companies(Resource):
    @companies.arguments(CompanyQuerySchema, location="query")
    @companies.response(200, CompanyPage)
    def get(self, args):
        """List companies (filters and sorting as on the companies page)."""
        filters = CompanyFilters(q=args["q"], country=(args["country"] or "").upper() or None,
                                 kind=CompanyKind(args["kind"]) if args["kind"] else None,
                                 archived=args["archived"], sort=args["sort"])
        stmt, _sort = company_query(filters, api_language())
        pagination = paginate(stmt, page=args["page"], per_page=args["per_page"])
        return page_body(pagination, "api_companies.Companies", args)

    @companies.arguments(CompanySchema)
    @companies.response(201, CompanySchema)
    @companies.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data):
        """Create a company; it needs an English or a Chinese name."""
        try:
            company = create_company(api_user(), ip=request.remote_addr, **data)
        except AddressBookError as exc:
            db.session.rollback()
            raise _address_book_error(exc) from None
        db.session.commit()
        return company


@companies.route("/<id:company_id>")
class CompanyItem(Resource):
    @companies.response(200, CompanySchema)
    @companies.alt_response(404, response="NOT_FOUND")
    def get(self, company_id):
        """One company (archived ones too)."""
        return get_company(company_id)

    @companies.arguments(CompanyPatchSchema(partial=True))
    @companies.response(200, CompanySchema)
    @companies.alt_response(404, response="NOT_FOUND")
    @companies.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, data, company_id):
        """Change some fields of a company."""
        company = get_company(company_id)
        try:
            update_company(company, api_user(), ip=request.remote_addr, **data)
        except AddressBookError as exc:
            db.session.rollback()
            raise _address_book_error(exc) from None
        db.session.commit()
        return company

    @companies.response(204)
    @companies.alt_response(404, response="NOT_FOUND")
    def delete(self, company_id):
        """Archive the company (restorable in the UI)."""
        archive_record(get_company(company_id), api_user(), ip=request.remote_addr)
        db.session.commit()


def get_contact(contact_id: int) -> Contact:
    return get_or_404(Contact, contact_id)


@contacts.route("")
class Contacts(Resource):
    @contacts.arguments(ContactQuerySchema, location="query")
    @contacts.response(200, ContactPage)
    def get(self, args):
        """List contacts (filters and sorting as on the contacts page)."""
        filters = ContactFilters(q=args["q"], company_id=args["company_id"], archived=args["archived"],
                                 sort=args["sort"])
        stmt, _sort = contact_query(filters, api_language())
        pagination = paginate(stmt, page=args["page"], per_page=args["per_page"])
        return page_body(pagination, "api_contacts.Contacts", args)

    @contacts.arguments(ContactSchema)
    @contacts.response(201, ContactSchema)
    @contacts.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def post(self, data):
        """Create a contact, optionally at a company."""
        check_company_exists(data.get("company_id"))
        try:
            contact = create_contact(api_user(), ip=request.remote_addr, **data)
        except AddressBookError as exc:
            db.session.rollback()
            raise _address_book_error(exc) from None
        db.session.commit()
        return contact


@contacts.route("/<id:contact_id>")
class ContactItem(Resource):
    @contacts.response(200, ContactSchema)
    @contacts.alt_response(404, response="NOT_FOUND")
    def get(self, contact_id):
        """One contact."""
        return get_contact(contact_id)

    @contacts.arguments(ContactSchema(partial=True))
    @contacts.response(200, ContactSchema)
    @contacts.alt_response(404, response="NOT_FOUND")
    @contacts.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def patch(self, data, contact_id):
        """Change some fields of a contact."""
        contact = get_contact(contact_id)
        check_company_exists(data.get("company_id"))
        try:
            update_contact(contact, api_user(), ip=request.remote_addr, **data)
        except AddressBookError as exc:
            db.session.rollback()
            raise _address_book_error(exc) from None
        db.session.commit()
        return contact

    @contacts.response(204)
    @contacts.alt_response(404, response="NOT_FOUND")
    def delete(self, contact_id):
        """Archive the contact."""
        archive_record(get_contact(contact_id), api_user(), ip=request.remote_addr)
        db.session.commit()
