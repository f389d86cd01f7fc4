"""HTML pages of the API: the user's tokens (create, shown once; revoke) and the docs page.

These are ordinary UI pages (session login and timeouts, CSRF-protected forms); the API
itself (crm/api/resources) accepts bearer tokens only.
"""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from flask_wtf import FlaskForm
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..extensions import db
from ..i18n import lazy_gettext as _l
from .models import ApiToken
from .tokens import MAX_NAME, TokenError, create_token, revoke_token, user_tokens

bp = Blueprint("developer", __name__)


class TokenForm(FlaskForm):
    name = StringField(_l("Token name"), validators=[DataRequired(), Length(max=MAX_NAME)],
                       description=_l("What the token is for, e.g. \"finance sync\"."))


class RevokeForm(FlaskForm):
    pass


@bp.route("/account/api-tokens", methods=["GET", "POST"])
@login_required
def tokens():
    """The user's API tokens; a new one is shown once, right after it is created."""
    form = TokenForm()
    new_token = None
    if form.validate_on_submit():
        try:
            token, new_token = create_token(current_user, form.name.data)
        except TokenError as exc:
            db.session.rollback()
            form.name.errors = [*form.name.errors, str(exc.args[0])]
        else:
            db.session.commit()
            flash(_("Token %(name)s created. Copy it now: it will not be shown again.", name=token.name), "success")
            form = TokenForm(formdata=None)
    return render_template("api/tokens.html", form=form, revoke_form=RevokeForm(), new_token=new_token,
                           tokens=user_tokens(current_user))


@bp.route("/account/api-tokens/<int:token_id>/revoke", methods=["POST"])
@login_required
def revoke(token_id: int):
    """Revoke one of the user's own tokens (another user's token: 404)."""
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.id == token_id,
                                                        ApiToken.user_id == current_user.id))
    if token is None:
        abort(404)
    if RevokeForm().validate_on_submit() and revoke_token(token, current_user):
        db.session.commit()
        flash(_("Token %(name)s revoked: it no longer works.", name=token.name), "success")
    return redirect(url_for(".tokens"))


@bp.route("/api/v1/docs")
def docs():
    """A readable list of the API's operations, built from the OpenAPI document (no CDN, no script)."""
    from . import current_api

    spec = current_api().spec.to_dict()
    schemas = spec.get("components", {}).get("schemas", {})
    groups: dict[str, list] = {}
    for path, item in spec["paths"].items():
        for method, operation in item.items():
            if method not in ("get", "post", "patch", "put", "delete"):
                continue
            tag = (operation.get("tags") or ["other"])[0]
            body = operation.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            ok = next((r for status, r in operation.get("responses", {}).items() if str(status).startswith("2")), {})
            returns = ok.get("content", {}).get("application/json", {}).get("schema")
            groups.setdefault(tag, []).append({
                "method": method.upper(), "path": path, "summary": operation.get("summary", ""),
                "description": operation.get("description", ""),
                "parameters": [_parameter(p) for p in item.get("parameters", []) + operation.get("parameters", [])],
                "body": _schema_name(body) if body else None,
                "returns": _schema_name(returns) if returns else None,
                "responses": sorted(operation.get("responses", {})),
            })
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    models = {name: _fields(schema) for name, schema in sorted(schemas.items())}
    return render_template("api/docs.html", groups=groups, tags=tags, models=models)


def _schema_name(schema: dict) -> str:
    ref = schema.get("$ref", "")
    return ref.rsplit("/", 1)[-1] if ref else _type(schema)


def _type(schema: dict) -> str:
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    kind = schema.get("type", "object")
    if kind == "array":
        return f"[{_type(schema.get('items', {}))}]"
    if "enum" in schema and len(schema["enum"]) <= 12:
        return " | ".join('""' if v == "" else str(v) for v in schema["enum"] if v is not None)
    fmt = schema.get("format")
    return f"{kind} ({fmt})" if fmt else kind


def _parameter(param: dict) -> dict:
    return {"name": param["name"], "in": param["in"], "type": _type(param.get("schema", {})),
            "required": param.get("required", False), "description": param.get("description", "")}


def _fields(schema: dict) -> list[dict]:
    required = set(schema.get("required", []))
    return [{"name": name, "type": _type(prop), "required": name in required,
             "read_only": prop.get("readOnly", False), "nullable": prop.get("nullable", False),
             "description": prop.get("description", "")}
            for name, prop in schema.get("properties", {}).items()]
