"""Choosing a company or titles among thousands: form fields and JSON endpoints.

Every form that picks a company (deals and their co-production partners, leads,
meetings, events and their attending companies, contacts, titles' rights holder)
uses :class:`CompanyField`. The page carries only the chosen company, never the
whole address book:

* a text box (the field's label points at it) showing the chosen company's name,
* a ``<select name=...>`` holding the chosen id (and, after a search, the matches),
* a hidden ``<name>-shown``: the text the page showed, so the server can tell
  whether the user typed something new.

With JavaScript (static/js/company-picker.js) the text box becomes a combobox
that asks :func:`companies` for matches as the user types (English, Chinese,
pinyin or initials: the search index of search.py) and puts the chosen id in
the select, which it hides. Without JavaScript the user types part of a name
and saves: the form comes back with the matches in the select (one search
step, reported as a field error so nothing is saved), the user chooses and
saves again.

Validation stays on the server: a posted id must be a company that exists and
is not archived; a record's own archived company stays acceptable on its edit
form (:func:`keep_archived`).

Titles (programmes) are chosen several at a time with :class:`TitlesField`, built
from the same pieces (the search helper :func:`active_matches`, the script, the
CSS): the page carries only the chosen titles, each a ticked checkbox named like
the field (unticking one removes it), and a search box. The script offers matches
from :func:`titles` and adds the chosen one as a ticked box; without JavaScript the
user types part of a name and saves: the form comes back with the matches as boxes
to tick (one search step, reported as a field error so nothing is saved). A posted
id must be a title that exists and is not archived, except a record's own
(``keep_ids``).
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, get_template_attribute, jsonify, request
from flask_babel import gettext as _
from flask_login import login_required
from wtforms import FieldList, FormField, SelectField, SelectMultipleField
from wtforms.utils import unset_value
from wtforms.validators import StopValidation

from .choices import optional_id
from .companies.models import Company
from .extensions import db
from .i18n import lazy_gettext as _l
from .i18n import ui_lang
from .model_mixins import name_order
from .records import newly_archived
from .search import normalise_query, search_clause
from .territories import territory_name
from .titles.models import Title

bp = Blueprint("pickers", __name__, url_prefix="/pickers")

MATCH_LIMIT = 20  # matches per answer (and per no-JS search step)


# ---- reading -----------------------------------------------------------------

def company_label(company: Company, lang: str) -> str:
    """"Name · other name" in ``lang``, as options have always shown companies."""
    first, second = company.display_name(lang), company.other_name(lang)
    return f"{first} · {second}" if second else first


def active_matches(model, q: str | None, lang: str, limit: int = MATCH_LIMIT) -> tuple[list, bool]:
    """Active records of ``model`` (a bilingual, archivable, indexed model: Company, Title)
    matching ``q`` (names in either language, pinyin, initials), names starting with the
    query first, then by name in ``lang``; and whether more matched. One query, whatever
    the number of records."""
    q = normalise_query(q)
    if not q:
        return [], False
    starts = sa.or_(sa.func.lower(model.name_en).startswith(q.lower(), autoescape=True),
                    model.name_zh.startswith(q, autoescape=True))
    stmt = (
        sa.select(model)
        .where(model.archived_at.is_(None), search_clause(model, q))
        .order_by(sa.case((starts, 0), else_=1), *name_order(model, lang))
        .limit(limit + 1)
    )
    rows = db.session.scalars(stmt).all()
    return rows[:limit], len(rows) > limit


def company_matches(q: str | None, lang: str, limit: int = MATCH_LIMIT) -> tuple[list[Company], bool]:
    """Active companies matching ``q`` (see :func:`active_matches`)."""
    return active_matches(Company, q, lang, limit)


def title_matches(q: str | None, lang: str, limit: int = MATCH_LIMIT) -> tuple[list[Title], bool]:
    """Active titles matching ``q`` (see :func:`active_matches`)."""
    return active_matches(Title, q, lang, limit)


def company_json(company: Company, lang: str) -> dict:
    return {
        "id": company.id,
        "name": company.display_name(lang),
        "other": company.other_name(lang),
        "country": territory_name(company.country) if company.country else "",
        "label": company_label(company, lang),
    }


@bp.route("/companies")
@login_required
def companies():
    """``?q=``: at most MATCH_LIMIT active companies for a picker, names in the user's
    language with the other language's name and the country beside them."""
    lang = ui_lang()
    found, more = company_matches(request.args.get("q"), lang)
    return jsonify({"items": [company_json(c, lang) for c in found], "more": more})


def title_label(title: Title, lang: str) -> str:
    """"Name · other name · 52 × 11'" in ``lang``."""
    return " · ".join(part for part in (title.display_name(lang), title.other_name(lang), title.format_label)
                      if part)


def title_json(title: Title, lang: str) -> dict:
    return {
        "id": title.id,
        "name": title.display_name(lang),
        "other": title.other_name(lang),
        "format": title.format_label,
        "label": title_label(title, lang),
    }


@bp.route("/titles")
@login_required
def titles():
    """``?q=``: at most MATCH_LIMIT active titles for a picker, names in the user's
    language with the other language's name and the format (52 × 11') beside them."""
    lang = ui_lang()
    found, more = title_matches(request.args.get("q"), lang)
    return jsonify({"items": [title_json(t, lang) for t in found], "more": more})


# ---- the form field -------------------------------------------------------------

class CompanyPicker:
    """Renders a :class:`CompanyField` with the ``company_picker`` macro of _forms.html;
    keyword arguments (aria attributes) go on the text box."""

    def __call__(self, field: CompanyField, **kwargs):
        lang = ui_lang()
        macro = get_template_attribute("_forms.html", "company_picker")
        return macro(field, field.display_text(lang), field.options(lang), kwargs)


class CompanyField(SelectField):
    """A company id chosen by searching (see the module docstring). ``data`` is the id or None.
    ``blank`` labels the empty option; the view may allow archived ids with :func:`keep_archived`."""

    widget = CompanyPicker()

    def __init__(self, label=None, validators=None, blank=_l("— Choose —"), **kwargs):
        kwargs.pop("coerce", None)
        kwargs.pop("validate_choice", None)
        super().__init__(label, validators, coerce=optional_id, choices=[], validate_choice=False, **kwargs)
        self.label.field_id = f"{self.id}-search"
        self.blank = blank
        self.keep_ids: set[int] = set()
        self.query: str | None = None  # text searched for in this request (no-JS search step)
        self.matches: list[Company] | None = None
        self.more = False
        self._posted_text: str | None = None
        self._bad_id = False

    def process_formdata(self, valuelist):
        self._bad_id = False
        if valuelist:
            try:
                self.data = optional_id(valuelist[0])
            except (TypeError, ValueError):
                self.data, self._bad_id = None, True

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        self.query, self.matches, self.more = None, None, False
        if formdata is None or f"{self.name}-search" not in formdata:
            return  # no text box posted (an id alone, e.g. from a link or a script): the id decides
        text = normalise_query(formdata.get(f"{self.name}-search"))
        shown = normalise_query(formdata.get(f"{self.name}-shown"))
        self._posted_text = text
        if text == shown and (self.data is not None or self._bad_id or not text):
            return  # the text box is as the page showed it: the chosen option decides
        # New text, or text that names no chosen company yet: it is a search.
        self._bad_id = False
        if not text:
            self.data = None  # the user emptied the box: no company
            return
        self.query = text
        self.matches, self.more = company_matches(text, ui_lang())
        self.data = self.matches[0].id if len(self.matches) == 1 else None

    def pre_validate(self, form):
        if self.matches is not None:
            if not self.matches:
                raise StopValidation(_("No company matches “%(text)s”. Check the spelling, or create the "
                                       "company first.", text=self.query))
            if len(self.matches) == 1:
                raise StopValidation(_("One company matches “%(text)s”: check it is the one you mean, then "
                                       "save again.", text=self.query))
            raise StopValidation(_("Several companies match “%(text)s”: choose one in the list, then save "
                                   "again.", text=self.query))
        if self._bad_id:
            raise StopValidation(_("Choose a company from the list."))
        if self.data is None:
            return
        company = self.company()
        if company is None:
            raise StopValidation(_("Choose a company from the list."))
        if newly_archived([company], self.keep_ids):
            raise StopValidation(_("%(company)s is archived: choose another company.",
                                   company=company.display_name(ui_lang())))

    # -- rendering --------------------------------------------------------------

    def company(self) -> Company | None:
        return db.session.get(Company, self.data) if isinstance(self.data, int) else None

    def display_text(self, lang: str) -> str:
        if self.query is not None:
            return self.query
        company = self.company()
        if company is not None:
            return company.display_name(lang)
        return self._posted_text or ""

    def options(self, lang: str) -> list[tuple[str, str, bool]]:
        """(value, label, selected): the blank one, the chosen company, the matches of a search step."""
        rows = [("", str(self.blank), self.data is None)]
        companies = list(self.matches or [])
        chosen = self.company()
        if chosen is not None and all(c.id != chosen.id for c in companies):
            companies.insert(0, chosen)
        rows += [(str(c.id), company_label(c, lang), c.id == self.data) for c in companies]
        if self.more:
            rows.append(("", _("More companies match: type more of the name."), False))
        return rows


def company_fields(form) -> list[CompanyField]:
    """Every CompanyField of ``form``, including those in field lists (partner rows)."""
    found = []
    for field in form:
        children = list(field) if isinstance(field, FieldList) else [field]
        for child in children:
            if isinstance(child, CompanyField):
                found.append(child)
            elif isinstance(child, FormField):
                found += company_fields(child.form)
    return found


def keep_archived(form, *company_ids: int | None) -> None:
    """Let ``form`` keep these companies although archived: the record being edited uses them."""
    ids = {i for i in company_ids if i}
    for field in company_fields(form):
        field.keep_ids |= ids


def company_names(ids) -> dict[int, str]:
    """{id: "name · other name"} in the user's language, in one query (conflict tables, messages)."""
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    lang = ui_lang()
    return {c.id: company_label(c, lang) for c in db.session.scalars(sa.select(Company).where(Company.id.in_(ids)))}


# ---- titles: several at a time ---------------------------------------------------

class TitlesPicker:
    """Renders a :class:`TitlesField` with the ``titles_picker`` macro of _forms.html;
    keyword arguments (aria attributes) go on the search box."""

    def __call__(self, field: TitlesField, **kwargs):
        lang = ui_lang()
        macro = get_template_attribute("_forms.html", "titles_picker")
        offered, more = field.offered(lang)
        return macro(field, field.query or "", field.chosen(lang), offered, more, kwargs)


class TitlesField(SelectMultipleField):
    """Title ids chosen by searching (see the module docstring). ``data`` is a list of ids;
    ``keep_ids`` are archived titles the record being edited already has."""

    widget = TitlesPicker()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("coerce", None)
        kwargs.pop("validate_choice", None)
        super().__init__(label, validators, coerce=int, choices=[], validate_choice=False, **kwargs)
        self.label.field_id = f"{self.id}-search"
        self.keep_ids: set[int] = set()
        self.query: str | None = None  # the text in the search box, as posted
        self.matches: list[Title] | None = None  # the matches of a search step (new text)
        self.more = False
        self._bad_id = False
        self._loaded: dict[int, Title] = {}

    def process_formdata(self, valuelist):
        self._bad_id = False
        ids: list[int] = []
        for value in valuelist:
            try:
                ids.append(int(str(value).strip()))
            except (TypeError, ValueError):
                self._bad_id = True
        self.data = list(dict.fromkeys(ids))

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if not isinstance(self.data, list):
            self.data = list(self.data or [])
        self.query, self.matches, self.more = None, None, False
        if formdata is None or f"{self.name}-search" not in formdata:
            return  # ids alone (a script, a link): the ids decide
        text = normalise_query(formdata.get(f"{self.name}-search"))
        self.query = text or None
        if not text or text == normalise_query(formdata.get(f"{self.name}-shown")):
            return  # nothing typed, or the text the page came back with: the ticked boxes decide
        self.matches, self.more = title_matches(text, ui_lang())
        if len(self.matches) == 1 and self.matches[0].id not in self.data:
            self.data.append(self.matches[0].id)  # offered ticked: saving again takes it

    def pre_validate(self, form):
        if self._bad_id:
            raise StopValidation(_("Choose titles from the list."))
        if self.matches is not None:
            if not self.matches:
                raise StopValidation(_("No title matches “%(text)s”. Check the spelling, or create the title "
                                       "first.", text=self.query))
            if len(self.matches) == 1:
                raise StopValidation(_("One title matches “%(text)s” and is ticked: check it is the one you "
                                       "mean, then save again.", text=self.query))
            raise StopValidation(_("Several titles match “%(text)s”: tick the ones you mean, then save again.",
                                   text=self.query))
        titles = self.titles()
        if len(titles) != len(self.data):
            raise StopValidation(_("Choose titles from the list."))
        archived = newly_archived(titles, self.keep_ids)
        if archived:
            lang = ui_lang()
            self.errors += [_("%(title)s is archived: untick it or choose another title.",
                              title=t.display_name(lang)) for t in archived]
            raise StopValidation()

    # -- reading and rendering ------------------------------------------------------

    def titles(self) -> list[Title]:
        """The chosen titles that exist, in the order chosen (one query per set of ids)."""
        ids = [i for i in self.data or [] if isinstance(i, int)]
        missing = [i for i in ids if i not in self._loaded]
        if missing:
            self._loaded |= {t.id: t for t in db.session.scalars(sa.select(Title).where(Title.id.in_(missing)))}
        return [self._loaded[i] for i in ids if i in self._loaded]

    def chosen(self, lang: str) -> list[tuple[int, str]]:
        """(id, label) of the ticked titles."""
        return [(t.id, title_label(t, lang)) for t in self.titles()]

    def offered(self, lang: str) -> tuple[list[tuple[int, str]], bool]:
        """(id, label) of the matches for the text in the box that are not ticked, and whether
        more matched: a search step's matches, or (the page coming back with other errors)
        the same search again."""
        if self.matches is None and self.query:
            self.matches, self.more = title_matches(self.query, lang)
        chosen = set(self.data or [])
        return [(t.id, title_label(t, lang)) for t in self.matches or [] if t.id not in chosen], self.more


def title_names(ids) -> dict[int, str]:
    """{id: "name · other name · format"} in the user's language, in one query (conflict tables)."""
    ids = {i for i in ids if isinstance(i, int)}
    if not ids:
        return {}
    lang = ui_lang()
    return {t.id: title_label(t, lang) for t in db.session.scalars(sa.select(Title).where(Title.id.in_(ids)))}
