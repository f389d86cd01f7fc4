"""Write-side rules for titles (the shared catalogue)."""

from __future__ import annotations

from ..enums import Genre, TitleStatus
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..records import archive, hard_delete, restore
from .models import Title

TITLE_FIELDS = ("name_en", "name_zh", "genre", "episodes", "episode_minutes", "status", "year", "rights_holder_id",
                "synopsis_en", "synopsis_zh")


class TitleError(ValueError):
    """A rule a title change broke: ``field`` names the form field; ``args[0]`` is lazy and translatable."""

    def __init__(self, field: str, message):
        super().__init__(message)
        self.field = field


def _clean(fields: dict) -> dict:
    out = {}
    for name in TITLE_FIELDS:
        if name not in fields:
            continue
        value = fields[name]
        if isinstance(value, str):
            value = value.strip() or None
        out[name] = value
    if out.get("genre") is not None:
        out["genre"] = Genre(out["genre"])
    if out.get("status") is not None:
        out["status"] = TitleStatus(out["status"])
    return out


def check_title(fields: dict) -> None:
    if not (fields.get("name_en") or fields.get("name_zh")):
        raise TitleError("name_en", _l("Enter an English or a Chinese name (or both)."))
    if fields.get("genre") is None:
        raise TitleError("genre", _l("Choose the genre."))
    for name in ("episodes", "episode_minutes"):
        value = fields.get(name)
        if value is not None and value <= 0:
            raise TitleError(name, _l("Enter a whole number above zero."))


def create_title(**fields) -> Title:
    fields = _clean(fields)
    check_title(fields)
    title = Title(**fields)
    db.session.add(title)
    db.session.flush()
    return title


def update_title(title: Title, **fields) -> Title:
    fields = _clean(fields)
    merged = {name: getattr(title, name) for name in TITLE_FIELDS} | fields
    check_title(merged)
    for name, value in fields.items():
        setattr(title, name, value)
    db.session.flush()
    return title


def archive_title(title: Title) -> None:
    archive(title)


def restore_title(title: Title) -> None:
    restore(title)


def delete_title(title: Title) -> dict[str, int]:
    """Delete for good unless deals or rights grants refer to it; returns what blocks it."""
    return hard_delete(title)
