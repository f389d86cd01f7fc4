"""/api/v1/notes: dated notes on a deal, lead, company, contact or meeting (the activity
timeline). Reading or writing a note on a record needs the right to see the record:
another rep's deal, lead or meeting is a 404, as everywhere."""

from __future__ import annotations

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import validate

from ...extensions import db
from ...listing import paginate
from ...tasks.models import Note
from ...tasks.services import NOTE_MAX, SUBJECT_KINDS, TaskError, add_note, visible_subject
from .. import fields as f
from ..core import Blueprint, Resource, page_body
from ..errors import ApiError, api_user
from ..schemas import ListQuerySchema, Schema, page_schema

notes = Blueprint("api_notes", __name__, url_prefix="/api/v1/notes",
                  description="Notes on a record's timeline (deal, lead, company, contact, meeting).")



class NoteSchema(Schema):
    id = ma.fields.Integer(dump_only=True)
    subject_type = f.String(required=True, validate=[validate.OneOf(SUBJECT_KINDS, error="Must be one of: {choices}.")])
    subject_id = f.Id(required=True)
    body = f.String(required=True, max_length=NOTE_MAX)
    author_id = ma.fields.Integer(dump_only=True, allow_none=True)
    created_at = f.AwareDateTime(dump_only=True)


class NoteQuerySchema(ListQuerySchema):
    subject_type = f.String(required=True, validate=[validate.OneOf(SUBJECT_KINDS,
                                                                    error="Must be one of: {choices}.")])
    subject_id = f.Id(strict=False, required=True)


NotePage = page_schema(NoteSchema, "NotePage")


def _subject(kind: str, ident: int):
    """The record the note is about, if the API user may see it (404 otherwise)."""
    record = visible_subject(kind, ident, api_user())
    if record is None:
        raise ApiError(404)
    return record


def note_out(note: Note) -> dict:
    kind = next(k for k in SUBJECT_KINDS if getattr(note, f"{k}_id"))
    return {"id": note.id, "subject_type": kind, "subject_id": getattr(note, f"{kind}_id"), "body": note.body,
            "author_id": note.author_id, "created_at": note.created_at}


@notes.route("")
class Notes(Resource):
    @notes.arguments(NoteQuerySchema, location="query")
    @notes.response(200, NotePage)
    @notes.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """A record's notes, newest first."""
        kind, ident = args["subject_type"], args["subject_id"]
        _subject(kind, ident)
        column = getattr(Note, f"{kind}_id")
        stmt = sa.select(Note).where(column == ident).order_by(Note.created_at.desc(), Note.id.desc())
        body = page_body(paginate(stmt, page=args["page"], per_page=args["per_page"]), "api_notes.Notes", args)
        body["items"] = [note_out(n) for n in body["items"]]
        return body

    @notes.arguments(NoteSchema)
    @notes.response(201, NoteSchema)
    @notes.alt_response(404, response="NOT_FOUND")
    def post(self, data):
        """Add a note to a record's timeline."""
        kind, ident = data["subject_type"], data["subject_id"]
        _subject(kind, ident)
        try:
            note = add_note(author=api_user(), body=data["body"], **{f"{kind}_id": ident})
        except TaskError as exc:
            db.session.rollback()
            raise ApiError(422, errors={"body": [exc.args[0]]}) from None
        db.session.commit()
        return note_out(note)
