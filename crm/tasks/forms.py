from flask_wtf import FlaskForm
from wtforms import DateField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from ..i18n import lazy_gettext as _l


class TaskForm(FlaskForm):
    subject = StringField(
        _l("Task"),
        validators=[DataRequired(_l("Enter what needs doing.")),
                    Length(max=300, message=_l("At most %(max)d characters."))],
    )
    due_on = DateField(_l("Due date"), validators=[Optional()],
                       invalid_value_message=_l("Enter a date like 2025-03-09."))
    notes = TextAreaField(
        _l("Notes"), validators=[Optional(), Length(max=10000, message=_l("At most %(max)d characters."))],
        render_kw={"rows": 4},
    )
    owner_id = SelectField(_l("Owner"), coerce=int, validators=[Optional()])
    # The record the task hangs off (set by the "Add task" form on a record page).
    subject_type = HiddenField()
    subject_id = HiddenField()
    next = HiddenField()
