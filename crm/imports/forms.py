from __future__ import annotations

from functools import partial

from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField, SubmitField
from wtforms.validators import Optional

from ..i18n import lazy_gettext as _l
from .mapping import field_choices
from .parsing import ENCODING_CHOICES


class UploadForm(FlaskForm):
    file = FileField(_l("File (CSV or XLSX)"), validators=[FileRequired(_l("Choose a CSV or XLSX file."))])
    event = SelectField(_l("Event"), coerce=int, validators=[Optional()])
    encoding = SelectField(_l("Text encoding (CSV only)"), choices=lambda: ENCODING_CHOICES, default="")
    submit = SubmitField(_l("Upload and preview"))


class MappingForm(FlaskForm):
    mode = RadioField(
        _l("Rows with errors"),
        choices=lambda: [("skip", _l("Skip the bad rows and import the others")),
                         ("reject", _l("Reject the whole file if any row has an error"))],
        default="skip",
    )
    refresh = SubmitField(_l("Update preview"))
    confirm = SubmitField(_l("Import"))


def mapping_form(kind: str, headers: list[str], mapping: list[str], **kwargs) -> MappingForm:
    """A MappingForm with one select per column (``col_0``, ``col_1``...), preset to ``mapping``."""

    class ColumnsForm(MappingForm):
        pass

    for i, header in enumerate(headers):
        setattr(ColumnsForm, f"col_{i}", SelectField(header, choices=partial(field_choices, kind), default=mapping[i]))
    return ColumnsForm(**kwargs)
