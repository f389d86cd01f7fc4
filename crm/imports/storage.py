"""Uploaded files kept on the server between the upload, preview and import steps.

Nothing about the file travels through the browser except a random token:
the bytes and a small JSON description (owner's user id, file name, kind,
encoding chosen) live in ``CRM_IMPORT_DIR`` (default: the instance folder's
``imports/``) as ``<token>.upload`` and ``<token>.json``. A token is only
honoured for the user who uploaded it. The upload is deleted once imported or
cancelled; the result (counts and the error report, no file content) is kept
as ``<token>.result.json`` so the result page and its CSV report can be
reloaded. Anything older than ``CRM_IMPORT_TTL`` seconds (default 2 hours) is
deleted whenever a new file is uploaded.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import time

from flask import current_app

_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
DEFAULT_TTL = 2 * 3600


def import_dir() -> str:
    path = current_app.config.get("CRM_IMPORT_DIR") or os.path.join(current_app.instance_path, "imports")
    os.makedirs(path, mode=0o700, exist_ok=True)
    return path


def _path(token: str, suffix: str) -> str | None:
    if not _TOKEN.match(token or ""):
        return None
    return os.path.join(import_dir(), token + suffix)


def _ttl() -> int:
    return int(current_app.config.get("CRM_IMPORT_TTL", DEFAULT_TTL))


def save_upload(data: bytes, *, user_id: int, **meta) -> str:
    """Store ``data`` for ``user_id``; returns the token."""
    purge_expired()
    token = secrets.token_urlsafe(24)
    with open(_path(token, ".upload"), "wb") as f:
        f.write(data)
    _write_json(_path(token, ".json"), {**meta, "user_id": user_id, "created": time.time(), "size": len(data)})
    return token


def load_upload(token: str, user_id: int) -> tuple[bytes, dict] | None:
    """(bytes, meta) if the token exists, is fresh and belongs to ``user_id``; else None."""
    meta = _read_json(_path(token, ".json"), user_id)
    data_path = _path(token, ".upload")
    if meta is None or not os.path.exists(data_path):
        return None
    with open(data_path, "rb") as f:
        return f.read(), meta


def update_meta(token: str, user_id: int, **changes) -> None:
    meta = _read_json(_path(token, ".json"), user_id)
    if meta is not None:
        _write_json(_path(token, ".json"), {**meta, **changes})


def delete_upload(token: str) -> None:
    for suffix in (".upload", ".json"):
        path = _path(token, suffix)
        if path and os.path.exists(path):
            os.remove(path)


def save_result(token: str, user_id: int, result: dict) -> None:
    _write_json(_path(token, ".result.json"), {"user_id": user_id, "created": time.time(), "result": result})


def load_result(token: str, user_id: int) -> dict | None:
    data = _read_json(_path(token, ".result.json"), user_id)
    return data["result"] if data else None


def purge_expired(now: float | None = None) -> int:
    """Delete uploads and results older than the TTL; returns how many files went."""
    now = now or time.time()
    removed = 0
    folder = import_dir()
    for name in os.listdir(folder):
        path = os.path.join(folder, name)
        try:
            if now - os.path.getmtime(path) > _ttl():
                os.remove(path)
                removed += 1
        except OSError:
            continue
    return removed


def _write_json(path: str, data: dict) -> None:
    tmp = path + ".tmp"
    with open(tmp, "w", encoding="utf-8") as f:
        json.dump(data, f, ensure_ascii=False)
    os.replace(tmp, path)


def _read_json(path: str | None, user_id: int) -> dict | None:
    if path is None or not os.path.exists(path):
        return None
    try:
        with open(path, encoding="utf-8") as f:
            data = json.load(f)
    except (OSError, ValueError):
        return None
    if data.get("user_id") != user_id or time.time() - data.get("created", 0) > _ttl():
        return None
    return data
