"""Search terms: how records and queries are normalised, and how the index stays in sync.

Each company, contact, title and event gets a set of terms (table
``search_terms``, see search_models.py); a query word matches a record when
some term starts with it. For a name the terms are the concatenated name
starting at each of its units, in three spellings:

* the text itself (NFKC, case-folded, punctuation dropped): 杭州雷霆动画 gives
  ``杭州雷霆动画``, ``州雷霆动画``, ``雷霆动画``, ...; "Hangzhou Thunder Animation"
  gives ``hangzhouthunderanimation``, ``thunderanimation``, ``animation``;
* full pinyin without tones (pypinyin, phrase-aware): ``hangzhouleitingdonghua``,
  ``leitingdonghua``, ...;
* pinyin initials: ``hzltdh``, ``ltdh``, ...

A unit is one Chinese character or a run of other letters and digits, which
pass through unchanged (芒果TV → ``mangguotv``, initials ``mgtv``). For a
character with several readings (长: chang/zhang) the other readings are
indexed too, a few positions per name. E-mail addresses are indexed whole and
by local part, WeChat IDs whole.

So ``leiting``, ``lt``, ``雷霆``, ``thunder``, ``hangzhou lei`` (each word must
match) and ``chen.hao@thunder`` all find Hangzhou Thunder Animation or its
people, with an indexed prefix range and no leading-wildcard LIKE.

Terms are recomputed in the flush that creates or changes a record (session
events below), so every create, edit and import path keeps them right without
calling anything; the record's ``search_key`` column shows the terms for
debugging. Core bulk statements (``insert(Company)``, ``update(...)``) bypass
the ORM events: call :func:`reindex` with the ids afterwards, or
:func:`reindex_all` (``flask --app wsgi crm reindex-search``).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator
from functools import lru_cache

import sqlalchemy as sa
from pypinyin import Style, lazy_pinyin
from sqlalchemy.orm import Session

from .companies.models import Company, Contact
from .events.models import Event
from .search_models import SearchTerm as SearchTerm
from .titles.models import Title

MAX_TERM = 64  # characters kept of a term (queries are cut the same way)
MAX_UNITS = 32  # units of a name that start a term
MAX_HETERONYMS = 3  # positions per name whose other readings are indexed
MAX_READINGS = 2  # other readings per position
MAX_QUERY_WORDS = 8

_CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
_UNIT = re.compile(rf"[{_CJK}]|[^\W_{_CJK}]+")
_IS_CJK = re.compile(rf"[{_CJK}]")

# Which fields of which model feed the index, and whether a field is a name
# (pinyin and suffixes), an e-mail or an identifier (kept whole).
NAME, EMAIL, IDENT = "name", "email", "ident"
INDEXED: dict[type, tuple[str, dict[str, str]]] = {
    Company: ("company", {"name_en": NAME, "name_zh": NAME, "legal_name_en": NAME, "legal_name_zh": NAME}),
    Contact: ("contact", {"name_en": NAME, "name_zh": NAME, "email": EMAIL, "wechat_id": IDENT}),
    Title: ("title", {"name_en": NAME, "name_zh": NAME}),
    Event: ("event", {"name_en": NAME, "name_zh": NAME, "city": NAME}),
}
ENTITY_TYPES = {model: etype for model, (etype, _fields) in INDEXED.items()}
MODELS = {etype: model for model, etype in ENTITY_TYPES.items()}

terms_table = SearchTerm.__table__


# ---------------------------------------------------------------------------
# Normalisation
# ---------------------------------------------------------------------------


def fold(text: str | None) -> str:
    """NFKC (full-width letters and brackets become ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", text or "").casefold().strip()


# Characters common in names and titles that are read two ways. pypinyin reads
# a name in context (重庆 → chongqing, 银行 → yinhang); the other reading is
# indexed too, so a user who reads 长 as "zhang" or 曾 as "ceng" still finds
# the record. pypinyin's full heteronym lists are not used: they carry rare
# classical readings (杭 → kang) that would only add false matches.
POLYPHONES: dict[str, tuple[str, ...]] = {
    "长": ("chang", "zhang"), "重": ("zhong", "chong"), "行": ("xing", "hang"), "乐": ("le", "yue"),
    "曾": ("zeng", "ceng"), "单": ("dan", "shan"), "解": ("jie", "xie"), "朴": ("pu", "piao"),
    "仇": ("chou", "qiu"), "区": ("qu", "ou"), "查": ("cha", "zha"), "藏": ("cang", "zang"),
    "传": ("chuan", "zhuan"), "都": ("du", "dou"), "厦": ("xia", "sha"), "朝": ("chao", "zhao"),
    "调": ("diao", "tiao"), "还": ("hai", "huan"), "大": ("da", "dai"), "盛": ("sheng", "cheng"),
    "尉": ("wei", "yu"), "种": ("zhong", "chong"), "参": ("can", "shen"), "莘": ("shen", "xin"),
    "会": ("hui", "kuai"), "翟": ("zhai", "di"), "缪": ("miao", "mou"), "覃": ("qin", "tan"),
    "秘": ("mi", "bi"), "柏": ("bai", "bo"), "薄": ("bo", "bao"), "召": ("zhao", "shao"),
    "降": ("jiang", "xiang"), "约": ("yue", "yao"), "和": ("he", "huo"), "省": ("sheng", "xing"),
    "数": ("shu", "shuo"), "的": ("de", "di"), "地": ("di", "de"), "着": ("zhe", "zhao"),
    "角": ("jiao", "jue"), "色": ("se", "shai"), "差": ("cha", "chai"), "血": ("xue", "xie"),
    "给": ("gei", "ji"), "露": ("lu", "lou"), "系": ("xi", "ji"), "奇": ("qi", "ji"),
}


def _readings(char: str) -> tuple[str, ...]:
    """Readings of a character with two common ones (长 → chang, zhang)."""
    return POLYPHONES.get(char, ())


def _run_pinyin(run: str) -> list[str]:
    """One toneless syllable per character of a run of Chinese characters, read
    in context (重庆 → chong qing); a character without pinyin stays itself."""
    syllables = lazy_pinyin(run, style=Style.NORMAL)
    if len(syllables) != len(run):  # unknown characters came back grouped: go one by one
        syllables = [(lazy_pinyin(ch, style=Style.NORMAL) or [ch])[0] for ch in run]
    return [s if s.isascii() else ch for s, ch in zip(syllables, run, strict=True)]


def _suffixes(units: list[str]) -> Iterator[str]:
    for i in range(len(units)):
        term = "".join(units[i:])[:MAX_TERM]
        if term:
            yield term


@lru_cache(maxsize=100_000)
def name_terms(text: str | None) -> frozenset[str]:
    """Terms of one name (see the module docstring)."""
    units = _UNIT.findall(fold(text))[:MAX_UNITS]
    if not units:
        return frozenset()
    terms = set(_suffixes(units))
    cjk = [bool(_IS_CJK.fullmatch(u)) for u in units]
    if not any(cjk):
        return frozenset(terms)

    # Pinyin of each unit, Chinese runs read in context.
    spelled: list[str] = []
    i = 0
    while i < len(units):
        if not cjk[i]:
            spelled.append(units[i])
            i += 1
            continue
        j = i
        while j < len(units) and cjk[j]:
            j += 1
        spelled.extend(_run_pinyin("".join(units[i:j])))
        i = j

    variants = [spelled]
    heteronyms = 0
    for pos, unit in enumerate(units):
        if not cjk[pos] or heteronyms >= MAX_HETERONYMS:
            continue
        others = [r for r in _readings(unit) if r != spelled[pos]][:MAX_READINGS]
        if others:
            heteronyms += 1
            variants.extend(spelled[:pos] + [r] + spelled[pos + 1:] for r in others)

    for variant in variants:
        terms.update(_suffixes(variant))
        initials = [s[0] if cjk[k] and s.isascii() else s for k, s in enumerate(variant)]
        terms.update(_suffixes(initials))
    return frozenset(terms)


def email_terms(email: str | None) -> set[str]:
    email = fold(email)
    if not email:
        return set()
    terms = {email[:MAX_TERM]}
    local = email.split("@", 1)[0]
    if local:
        terms.add(local[:MAX_TERM])
    return terms


def ident_terms(value: str | None) -> set[str]:
    value = fold(value)
    return {value[:MAX_TERM]} if value else set()


def record_terms(fields: dict[str, str], values: dict) -> set[str]:
    """Terms of a record from its field values (``fields``: name → kind)."""
    terms: set[str] = set()
    for name, kind in fields.items():
        value = values.get(name)
        if not value:
            continue
        if kind == NAME:
            terms.update(name_terms(value))
        elif kind == EMAIL:
            terms.update(email_terms(value))
        else:
            terms.update(ident_terms(value))
    return terms


def search_key(terms: Iterable[str]) -> str:
    return " ".join(sorted(terms))


def query_words(q: str | None) -> list[list[str]]:
    """A query as a list of words, each a list of alternative prefixes.

    Words are separated by white space and all must match. A word is normalised
    like a name (``Thunder`` → ``thunder``, ``ＣＣＴＶ`` → ``cctv``, ``cmm-i`` →
    ``cmmi``); a word with punctuation also matches as typed, for e-mail
    addresses and WeChat IDs (``chen.hao@thunder``, ``chenhao_thunder``).
    """
    words: list[list[str]] = []
    for token in fold(q).split()[:MAX_QUERY_WORDS]:
        prefixes: list[str] = []
        joined = "".join(_UNIT.findall(token))[:MAX_TERM]
        if joined:
            prefixes.append(joined)
        raw = token[:MAX_TERM]
        if raw != joined and not all(unicodedata.category(c)[0] in "PS" for c in raw):
            prefixes.append(raw)
        if prefixes:
            words.append(prefixes)
    return words


def prefix_successor(prefix: str) -> str:
    """The least string greater than every string starting with ``prefix`` (in
    code-point order): the upper bound of the index range."""
    chars = list(prefix)
    while chars:
        code = ord(chars[-1]) + 1
        if 0xD800 <= code <= 0xDFFF:  # surrogates cannot be stored
            code = 0xE000
        if code <= 0x10FFFF:
            chars[-1] = chr(code)
            return "".join(chars)
        chars.pop()
    return "\U0010ffff"


def matching_ids(etype: str, prefixes: list[str]) -> sa.Select:
    """SELECT entity_id of the ``etype`` records having a term starting with one of ``prefixes``."""
    t = terms_table.c
    selects = [
        sa.select(t.entity_id).where(t.entity_type == etype, t.term >= p, t.term < prefix_successor(p))
        for p in prefixes
    ]
    return selects[0] if len(selects) == 1 else sa.union(*selects)


# ---------------------------------------------------------------------------
# Keeping the index in sync
# ---------------------------------------------------------------------------


def _values(obj, fields) -> dict:
    return {name: getattr(obj, name) for name in fields}


def _changed(obj, fields) -> bool:
    state = sa.inspect(obj)
    return any(state.attrs[name].history.has_changes() for name in fields)


_PENDING = "crm_search_pending"
_DELETED = "crm_search_deleted"


def _before_flush(session: Session, _flush_context, _instances) -> None:
    pending = session.info.setdefault(_PENDING, {})
    new = list(session.new)  # session.new builds a fresh set on every access
    new_ids = {id(obj) for obj in new}
    for obj in new + list(session.dirty):
        spec = INDEXED.get(type(obj))
        if spec is None:
            continue
        _etype, fields = spec
        if id(obj) not in new_ids and not _changed(obj, fields):
            continue
        terms = record_terms(fields, _values(obj, fields))
        if hasattr(obj, "search_key"):
            obj.search_key = search_key(terms)
        pending[id(obj)] = (obj, terms)
    deleted = session.info.setdefault(_DELETED, [])
    for obj in session.deleted:
        etype = ENTITY_TYPES.get(type(obj))
        if etype is not None and obj.id is not None:
            deleted.append((etype, obj.id))


def _after_flush(session: Session, _flush_context) -> None:
    pending = session.info.pop(_PENDING, {})
    deleted = session.info.pop(_DELETED, [])
    if not pending and not deleted:
        return
    stale: dict[str, set[int]] = {}
    rows: list[dict] = []
    for obj, terms in pending.values():
        if obj.id is None:
            continue
        etype = ENTITY_TYPES[type(obj)]
        stale.setdefault(etype, set()).add(obj.id)
        rows.extend({"entity_type": etype, "entity_id": obj.id, "term": term} for term in terms)
    for etype, ident in deleted:
        stale.setdefault(etype, set()).add(ident)
    conn = session.connection()
    for etype, ids in stale.items():
        conn.execute(
            terms_table.delete().where(terms_table.c.entity_type == etype, terms_table.c.entity_id.in_(ids))
        )
    if rows:
        conn.execute(terms_table.insert(), rows)


def _after_rollback(session: Session) -> None:
    session.info.pop(_PENDING, None)
    session.info.pop(_DELETED, None)


sa.event.listen(Session, "before_flush", _before_flush)
sa.event.listen(Session, "after_flush", _after_flush)
sa.event.listen(Session, "after_soft_rollback", lambda session, _tx: _after_rollback(session))


# ---------------------------------------------------------------------------
# Bulk (re)indexing
# ---------------------------------------------------------------------------

CHUNK = 5_000


def term_rows(etype: str, records: Iterable[dict]) -> Iterator[tuple[dict, list[dict]]]:
    """For each record (a dict with ``id`` and the indexed fields): its
    ``search_key`` update and its term rows."""
    fields = INDEXED[MODELS[etype]][1]
    for record in records:
        terms = record_terms(fields, record)
        yield (
            {"_id": record["id"], "search_key": search_key(terms)},
            [{"entity_type": etype, "entity_id": record["id"], "term": term} for term in terms],
        )


def index_records(conn: sa.Connection, etype: str, records: Iterable[dict], *, replace: bool = True,
                  set_search_key: bool = True) -> int:
    """Write the terms of ``records`` (dicts with ``id`` and the indexed fields)
    with Core bulk statements; returns how many terms were written."""
    model = MODELS[etype]
    table = model.__table__
    has_key = set_search_key and "search_key" in table.c
    update_key = (
        table.update().where(table.c.id == sa.bindparam("_id")).values(search_key=sa.bindparam("search_key"))
    )
    written = 0
    keys: list[dict] = []
    rows: list[dict] = []
    ids: list[int] = []

    def flush() -> None:
        nonlocal written
        if replace and ids:
            conn.execute(terms_table.delete().where(terms_table.c.entity_type == etype,
                                                    terms_table.c.entity_id.in_(ids)))
        if rows:
            conn.execute(terms_table.insert(), rows)
        if has_key and keys:
            conn.execute(update_key, keys)
        written += len(rows)
        keys.clear()
        rows.clear()
        ids.clear()

    for key, record_rows in term_rows(etype, records):
        ids.append(key["_id"])
        keys.append(key)
        rows.extend(record_rows)
        if len(rows) >= CHUNK * 4 or len(ids) >= CHUNK:
            flush()
    flush()
    return written


def reindex(model, ids: Iterable[int] | None = None) -> int:
    """Recompute the terms of ``model`` rows (all of them when ``ids`` is None)."""
    etype = ENTITY_TYPES[model]
    fields = INDEXED[model][1]
    table = model.__table__
    stmt = sa.select(table.c.id, *(table.c[name] for name in fields)).order_by(table.c.id)
    conn = _connection()
    if ids is None:
        conn.execute(terms_table.delete().where(terms_table.c.entity_type == etype))
        records = [dict(row._mapping) for row in conn.execute(stmt)]
        return index_records(conn, etype, records, replace=False)
    ids = list(ids)
    written = 0
    for start in range(0, len(ids), CHUNK):
        chunk = ids[start:start + CHUNK]
        records = [dict(row._mapping) for row in conn.execute(stmt.where(table.c.id.in_(chunk)))]
        conn.execute(terms_table.delete().where(terms_table.c.entity_type == etype,
                                                terms_table.c.entity_id.in_(chunk)))
        written += index_records(conn, etype, records, replace=False)
    return written


def reindex_all() -> dict[str, int]:
    """Rebuild the whole index (``flask --app wsgi crm reindex-search``); returns terms per kind.
    Runs in the session's transaction: the caller commits."""
    return {etype: reindex(model) for model, etype in ENTITY_TYPES.items()}


def _connection() -> sa.Connection:
    from .extensions import db

    db.session.flush()
    return db.session.connection()
