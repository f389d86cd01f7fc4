"""Pipeline stages per deal type (admins only): names, order, win probability, won/lost, active.

Rules (plain functions, testable without a request):
* a stage is never both won and lost; each deal type keeps exactly one active
  won stage and one active lost stage (marking another stage won or lost moves
  the flag to it);
* a stage that deals are in cannot be deactivated; a stage is deleted only when
  no deal (archived ones too) and no history row refers to it.
"""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ..audit.models import record
from ..deals.models import Deal, PipelineStage
from ..enums import DealType, Role
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..permissions import role_required
from . import bp

# ---------------------------------------------------------------------------
# Rules
# ---------------------------------------------------------------------------


class StageError(ValueError):
    """A refused change: ``field`` names the form field the message belongs to."""

    def __init__(self, field: str, message: str):
        super().__init__(field, message)
        self.field = field
        self.message = message


def all_stages(deal_type: DealType) -> list[PipelineStage]:
    """Every stage of ``deal_type`` (inactive ones too) in pipeline order."""
    return list(db.session.scalars(
        sa.select(PipelineStage).where(PipelineStage.deal_type == deal_type)
        .order_by(PipelineStage.position, PipelineStage.id)
    ))


def deal_counts(deal_type: DealType) -> dict[int, int]:
    """Number of (not archived) deals in each stage of ``deal_type``."""
    rows = db.session.execute(
        sa.select(Deal.stage_id, sa.func.count()).join(PipelineStage, PipelineStage.id == Deal.stage_id)
        .where(PipelineStage.deal_type == deal_type, Deal.archived_at.is_(None))
        .group_by(Deal.stage_id)
    )
    return dict(rows.all())


def update_stage(stage: PipelineStage, *, name_en: str, name_zh: str, probability: int, is_won: bool,
                 is_lost: bool, active: bool) -> dict:
    """Apply an edit or raise StageError; returns the changes (for the audit log)."""
    if not 0 <= probability <= 100:
        raise StageError("probability", _("Enter a whole number from 0 to 100."))
    if is_won and is_lost:
        raise StageError("is_lost", _("A stage cannot be both won and lost."))
    if (is_won or is_lost) and not active:
        raise StageError("active", _("The won and lost stages must stay active."))
    if stage.is_won and not is_won:
        raise StageError("is_won", _("Each pipeline needs one won stage: mark another stage as won instead."))
    if stage.is_lost and not is_lost:
        raise StageError("is_lost", _("Each pipeline needs one lost stage: mark another stage as lost instead."))
    if stage.active and not active:
        in_stage = deal_counts(stage.deal_type).get(stage.id, 0)
        if in_stage:
            raise StageError("active", _("%(num)d deals are in this stage: move them to another stage first.",
                                         num=in_stage))
    changes: dict = {}
    siblings = [s for s in all_stages(stage.deal_type) if s.id != stage.id]
    for flag, wanted in (("is_won", is_won), ("is_lost", is_lost)):
        if wanted and not getattr(stage, flag):
            for other in siblings:  # the flag moves to this stage
                if getattr(other, flag):
                    setattr(other, flag, False)
                    changes[f"{flag}_moved_from"] = other.key
    values = {"name_en": name_en.strip(), "name_zh": name_zh.strip(), "probability": probability,
              "is_won": is_won, "is_lost": is_lost, "active": active}
    for field, value in values.items():
        if getattr(stage, field) != value:
            changes[field] = value
            setattr(stage, field, value)
    return changes


def is_used(stage: PipelineStage) -> bool:
    """True when any deal (archived too) or stage-history row refers to ``stage``."""
    from ..deals.models import StageChange

    return bool(
        db.session.scalar(sa.select(sa.exists().where(Deal.stage_id == stage.id)))
        or db.session.scalar(sa.select(sa.exists().where(
            sa.or_(StageChange.from_stage_id == stage.id, StageChange.to_stage_id == stage.id))))
    )


def delete_stage(stage: PipelineStage) -> None:
    """Delete a stage nothing refers to; a used, won or lost stage raises StageError."""
    if stage.is_won or stage.is_lost:
        raise StageError("is_won" if stage.is_won else "is_lost",
                         _("The won and lost stages cannot be deleted."))
    if is_used(stage):
        raise StageError("active", _("Deals use this stage: deactivate it instead of deleting it."))
    db.session.delete(stage)
    db.session.flush()
    _renumber(all_stages(stage.deal_type))


def _renumber(stages: list[PipelineStage]) -> None:
    for position, stage in enumerate(stages, 1):
        stage.position = position


def move_stage(stage: PipelineStage, direction: str) -> bool:
    """Swap ``stage`` with its neighbour ("up" or "down"); False at either end."""
    stages = all_stages(stage.deal_type)
    i = stages.index(stage)
    j = i - 1 if direction == "up" else i + 1
    if direction not in ("up", "down") or not 0 <= j < len(stages):
        return False
    stages[i], stages[j] = stages[j], stages[i]
    _renumber(stages)
    return True


def _slug(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", text.lower()).strip("_")[:32] or "stage"


def add_stage(deal_type: DealType, *, name_en: str, name_zh: str, probability: int) -> PipelineStage:
    """A new open stage, placed before the won and lost stages."""
    if not 0 <= probability <= 100:
        raise StageError("probability", _("Enter a whole number from 0 to 100."))
    stages = all_stages(deal_type)
    keys = {s.key for s in stages}
    key = base = _slug(name_en)
    n = 2
    while key in keys:
        key, n = f"{base}_{n}", n + 1
    stage = PipelineStage(deal_type=deal_type, key=key, name_en=name_en.strip(), name_zh=name_zh.strip(),
                          probability=probability, is_won=False, is_lost=False, active=True, position=0)
    first_closed = next((i for i, s in enumerate(stages) if s.is_won or s.is_lost), len(stages))
    stages.insert(first_closed, stage)
    _renumber(stages)
    db.session.add(stage)
    db.session.flush()
    return stage


# ---------------------------------------------------------------------------
# Forms and pages
# ---------------------------------------------------------------------------


class StageForm(FlaskForm):
    name_en = StringField(_l("Name (English)"), validators=[DataRequired(_l("Enter the English name.")),
                                                             Length(max=120)])
    name_zh = StringField(_l("Name (Chinese)"), validators=[DataRequired(_l("Enter the Chinese name.")),
                                                             Length(max=120)])
    probability = IntegerField(
        _l("Win probability (%)"),
        validators=[InputRequired(_l("Enter a whole number from 0 to 100.")),
                    NumberRange(0, 100, _l("Enter a whole number from 0 to 100."))],
    )
    is_won = BooleanField(_l("Won stage"), description=_l(
        "Deals here are won. Marking this stage as won unmarks the current won stage."))
    is_lost = BooleanField(_l("Lost stage"), description=_l(
        "Deals here are lost. Marking this stage as lost unmarks the current lost stage."))
    active = BooleanField(_l("Active (shown on the board and the deal form)"), default=True)


class NewStageForm(FlaskForm):
    name_en = StageForm.name_en
    name_zh = StageForm.name_zh
    probability = StageForm.probability


def _deal_type_arg() -> DealType:
    try:
        return DealType(request.args.get("type") or DealType.DISTRIBUTION.value)
    except ValueError:
        abort(404)


@bp.route("/stages")
@role_required(Role.ADMIN)
def stages():
    deal_type = _deal_type_arg()
    return render_template("admin/stages.html", deal_type=deal_type, stages=all_stages(deal_type),
                           counts=deal_counts(deal_type), DealType=DealType)


@bp.route("/stages/<int:stage_id>", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def stage_edit(stage_id: int):
    stage = db.session.get(PipelineStage, stage_id) or abort(404)
    form = StageForm(obj=stage)
    if form.validate_on_submit():
        try:
            changes = update_stage(stage, name_en=form.name_en.data, name_zh=form.name_zh.data,
                                   probability=form.probability.data, is_won=form.is_won.data,
                                   is_lost=form.is_lost.data, active=form.active.data)
        except StageError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            record("update", user_id=current_user.id, entity=stage, ip=request.remote_addr, changes=changes)
            db.session.commit()
            flash(_("Stage saved."), "success")
            return redirect(url_for("admin.stages", type=stage.deal_type.value))
    return render_template("admin/stage_form.html", form=form, stage=stage, deal_type=stage.deal_type,
                           in_stage=deal_counts(stage.deal_type).get(stage.id, 0))


@bp.route("/stages/new", methods=["GET", "POST"])
@role_required(Role.ADMIN)
def stage_create():
    deal_type = _deal_type_arg()
    form = NewStageForm()
    if form.validate_on_submit():
        try:
            stage = add_stage(deal_type, name_en=form.name_en.data, name_zh=form.name_zh.data,
                              probability=form.probability.data)
        except StageError as exc:
            db.session.rollback()
            getattr(form, exc.field).errors.append(exc.message)
        else:
            record("create", user_id=current_user.id, entity=stage, ip=request.remote_addr,
                   changes={"key": stage.key, "name_en": stage.name_en, "name_zh": stage.name_zh,
                            "probability": stage.probability})
            db.session.commit()
            flash(_("Stage added."), "success")
            return redirect(url_for("admin.stages", type=deal_type.value))
    return render_template("admin/stage_form.html", form=form, stage=None, deal_type=deal_type, in_stage=0)


@bp.route("/stages/<int:stage_id>/move", methods=["POST"])
@role_required(Role.ADMIN)
def stage_move(stage_id: int):
    stage = db.session.get(PipelineStage, stage_id) or abort(404)
    if move_stage(stage, request.form.get("direction", "")):
        record("update", user_id=current_user.id, entity=stage, ip=request.remote_addr,
               changes={"position": stage.position})
        db.session.commit()
    return redirect(url_for("admin.stages", type=stage.deal_type.value) + f"#stage-{stage.id}")


@bp.route("/stages/<int:stage_id>/delete", methods=["POST"])
@role_required(Role.ADMIN)
def stage_delete(stage_id: int):
    stage = db.session.get(PipelineStage, stage_id) or abort(404)
    deal_type, changes = stage.deal_type, {"key": stage.key, "name_en": stage.name_en, "name_zh": stage.name_zh}
    try:
        record("delete", user_id=current_user.id, entity=stage, ip=request.remote_addr, changes=changes)
        delete_stage(stage)
    except StageError as exc:
        db.session.rollback()
        flash(exc.message, "error")
        return redirect(url_for("admin.stage_edit", stage_id=stage_id))
    db.session.commit()
    flash(_("Stage deleted."), "success")
    return redirect(url_for("admin.stages", type=deal_type.value))
