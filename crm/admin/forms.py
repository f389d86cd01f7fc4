from flask_wtf import FlaskForm
from wtforms import BooleanField, EmailField, PasswordField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, Optional

from ..enums import Role
from ..i18n import lazy_gettext as _l


class UserForm(FlaskForm):
    email = EmailField(
        _l("Email"),
        validators=[DataRequired(_l("Enter an email address.")), Email(_l("Enter a valid email address."))],
    )
    name = StringField(_l("Name"), validators=[DataRequired(_l("Enter a name.")), Length(max=120)])
    role = SelectField(_l("Role"), choices=Role.choices)
    active = BooleanField(_l("Active (can sign in)"), default=True)
    password = PasswordField(
        _l("New password"),
        validators=[Optional()],
        description=_l("At least 8 characters. Leave empty to keep the current password."),
    )
