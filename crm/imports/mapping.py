"""Which columns of an uploaded file feed which fields, for each kind of import.

Headers are matched after normalisation (NFKC, lower case, no spaces,
punctuation or asterisks), so "E-mail", "email *" and "Email address" all
match, and so do full-width brackets in "时长（分钟）". Each field takes the
first column that matches it; the user can change every choice on the
preview page.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from ..i18n import lazy_gettext as _l

IGNORE = ""


@dataclass(frozen=True)
class Field:
    key: str
    label: object  # lazy string
    help: object = ""


@dataclass(frozen=True)
class Kind:
    key: str
    label: object
    description: object
    fields: tuple[str, ...]
    # Each inner tuple: at least one of these fields must be mapped.
    required: tuple[tuple[str, ...], ...]
    needs_event: bool = False


FIELDS = {f.key: f for f in (
    Field("company", _l("Company name (either language)"),
          _l("Chinese characters go to the Chinese name, anything else to the English name.")),
    Field("company_en", _l("Company name (English)")),
    Field("company_zh", _l("Company name (Chinese)")),
    Field("country", _l("Country"), _l("ISO code (CN, FR) or the country's name in English or Chinese.")),
    Field("city", _l("City")),
    Field("company_kind", _l("Company kind"), _l("Broadcaster, streaming platform, producer… in English or Chinese.")),
    Field("website", _l("Website")),
    Field("name", _l("Contact name (either language)")),
    Field("name_en", _l("Contact name (English)")),
    Field("name_zh", _l("Contact name (Chinese)")),
    Field("first_name", _l("First name")),
    Field("last_name", _l("Last name")),
    Field("title", _l("Job title")),
    Field("email", _l("Email")),
    Field("phone", _l("Phone")),
    Field("wechat", _l("WeChat ID")),
    Field("notes", _l("Notes")),
    Field("event", _l("Event"), _l("The event's English or Chinese name, as in the CRM.")),
    Field("summary", _l("Interest / summary")),
    Field("deal_type", _l("Deal type")),
    Field("genre", _l("Genre")),
    Field("date", _l("Date"), _l("2017-05-23, 2017/5/23, 23.05.2017 or 2017年5月23日.")),
    Field("start", _l("Start time"), _l("09:30, 9.30, 2:30 pm or 下午2:30, in the event's time zone; "
                                        "a range such as 09:30-10:00 also gives the end.")),
    Field("end", _l("End time")),
    Field("duration", _l("Duration (minutes)")),
    Field("location", _l("Table / room")),
    Field("contacts", _l("Contact names"), _l("Several names separated by ; or ,")),
    Field("emails", _l("Contact emails"), _l("In the same order as the names.")),
    Field("rep", _l("Our rep's email"), _l("Empty: you.")),
)}

_COMPANY = ("company", "company_en", "company_zh")
_NEW_COMPANY = ("country", "city", "company_kind", "website")
_CONTACT = ("name", "name_en", "name_zh", "first_name", "last_name", "title", "email", "phone", "wechat")

KINDS = {k.key: k for k in (
    Kind("companies", _l("Companies"), _l("An attendee or buyer list: one company per row."),
         (*_COMPANY, *_NEW_COMPANY, "notes"), (_COMPANY,)),
    Kind("contacts", _l("Contacts"), _l("People with their company; missing companies are created."),
         (*_CONTACT, *_COMPANY, *_NEW_COMPANY, "notes"), (("name", "name_en", "name_zh", "first_name", "last_name"),)),
    Kind("leads", _l("Leads"), _l("Company, contact and interest per row; the leads are yours."),
         (*_COMPANY, *_CONTACT, *_NEW_COMPANY, "event", "summary", "deal_type", "genre", "notes"), (_COMPANY,)),
    Kind("meetings", _l("Meeting schedule"),
         _l("An organiser's one-to-one schedule for an event; times in the event's time zone."),
         ("date", "start", "end", "duration", "location", *_COMPANY, "contacts", "emails", "rep", "country", "notes"),
         (("start",), _COMPANY), needs_event=True),
)}

# Header aliases, English and Chinese; written naturally, normalised below.
_ALIASES = {
    "company": ["company", "company name", "organisation", "organization", "organisation name", "organization name",
                "firm", "employer", "公司", "公司名称", "公司名", "单位", "单位名称", "工作单位", "机构", "机构名称",
                "企业", "企业名称", "客户", "客户名称"],
    "company_en": ["company (english)", "english company name", "company name (english)", "company en",
                   "company name en", "公司英文名", "公司英文名称", "英文公司名", "英文公司名称", "公司名称(英文)",
                   "公司(英文)", "单位英文名称"],
    "company_zh": ["company (chinese)", "chinese company name", "company name (chinese)", "company zh",
                   "company name zh", "公司中文名", "公司中文名称", "中文公司名", "中文公司名称", "公司名称(中文)",
                   "公司(中文)", "单位中文名称"],
    "country": ["country", "country/region", "country or region", "nation", "country code", "国家", "国家/地区",
                "国家或地区", "国别", "国家地区", "所在国家"],
    "city": ["city", "town", "城市", "所在城市"],
    "company_kind": ["company type", "type of company", "company kind", "kind", "type", "category", "business type",
                     "公司类型", "企业类型", "机构类型", "类型", "类别"],
    "website": ["website", "web site", "web", "url", "homepage", "site", "网站", "网址", "官网", "主页"],
    "name": ["name", "full name", "contact", "contact name", "contact person", "attendee", "attendee name",
             "participant", "delegate", "delegate name", "person", "姓名", "名字", "联系人", "联系人姓名", "参会人",
             "参会者", "参会人员", "嘉宾", "代表"],
    "name_en": ["english name", "name (english)", "name en", "英文名", "英文姓名", "英文名字", "姓名(英文)"],
    "name_zh": ["chinese name", "name (chinese)", "name zh", "中文名", "中文姓名", "中文名字", "姓名(中文)"],
    "first_name": ["first name", "given name", "forename", "名"],
    "last_name": ["last name", "surname", "family name", "姓"],
    "title": ["title", "job title", "position", "role", "job", "function", "职位", "职务", "头衔", "岗位", "职称"],
    "email": ["email", "e-mail", "email address", "e-mail address", "mail", "邮箱", "电子邮件", "电子邮箱", "邮件",
              "邮箱地址", "电邮"],
    "phone": ["phone", "telephone", "tel", "mobile", "mobile phone", "cell", "cell phone", "phone number", "电话",
              "手机", "手机号", "手机号码", "联系电话", "电话号码"],
    "wechat": ["wechat", "wechat id", "weixin", "wx", "微信", "微信号", "微信id"],
    "notes": ["notes", "note", "comments", "comment", "remarks", "备注", "说明", "附注"],
    "event": ["event", "market", "event name", "活动", "展会", "活动名称", "展会名称"],
    "summary": ["interest", "interests", "summary", "looking for", "subject", "兴趣", "意向", "需求", "合作意向",
                "摘要", "感兴趣的内容"],
    "deal_type": ["deal type", "type of deal", "交易类型", "合作类型", "合作方式"],
    "genre": ["genre", "content type", "题材", "节目类型", "内容类型"],
    "date": ["date", "day", "meeting date", "日期", "会面日期", "会议日期", "洽谈日期"],
    "start": ["start", "start time", "time", "from", "begin", "time slot", "slot", "meeting time", "开始时间", "开始",
              "时间", "起始时间", "时段", "洽谈时间", "会面时间"],
    "end": ["end", "end time", "to", "until", "finish", "结束时间", "结束", "截止时间"],
    "duration": ["duration", "duration (min)", "duration (minutes)", "duration min", "minutes", "length", "mins",
                 "时长", "时长(分钟)", "持续时间", "分钟"],
    "location": ["table", "table number", "table no", "room", "location", "table/room", "table / room",
                 "meeting point", "booth", "桌号", "桌位", "台号", "房间", "地点", "会议室", "位置", "展位"],
    "contacts": ["contacts", "contact names", "contact name", "contact", "attendees", "participants", "names",
                 "联系人", "参会人", "与会者", "对方人员", "参会人员", "姓名", "联系人姓名"],
    "emails": ["emails", "contact emails", "contact email", "email", "e-mail", "邮箱", "联系人邮箱", "电子邮件",
               "电子邮箱"],
    "rep": ["our rep", "rep", "rep email", "our rep email", "host", "host email", "owner", "owner email",
            "our contact", "sales rep", "我方人员", "负责人", "负责人邮箱", "销售代表", "我方代表", "我方"],
}
# Per kind, the same header can mean another field.
_KIND_ALIASES = {
    "companies": {
        "company": ["name", "名称", "名字"],
        "company_en": ["english name", "name (english)", "英文名", "英文名称"],
        "company_zh": ["chinese name", "name (chinese)", "中文名", "中文名称"],
    },
}

_PUNCT = re.compile(r"[\s_\-*:：.·•()（）\[\]【】#№/／]+")


def normalise_header(header: str) -> str:
    text = unicodedata.normalize("NFKC", header or "").casefold()
    return _PUNCT.sub("", text)


def _alias_index(kind: str) -> dict[str, str]:
    index: dict[str, str] = {}
    fields = KINDS[kind].fields
    for key in fields:
        for alias in _ALIASES.get(key, []):
            index.setdefault(normalise_header(alias), key)
    for key, aliases in _KIND_ALIASES.get(kind, {}).items():
        for alias in aliases:
            index[normalise_header(alias)] = key
    return index


def auto_mapping(kind: str, headers: list[str]) -> list[str]:
    """The field for each column ("" = ignored); each field at most once."""
    index = _alias_index(kind)
    used: set[str] = set()
    mapping = []
    for header in headers:
        key = index.get(normalise_header(header), IGNORE)
        if key and key in used:
            key = IGNORE
        used.add(key)
        mapping.append(key)
    return mapping


def field_choices(kind: str) -> list[tuple[str, object]]:
    return [(IGNORE, _l("— Ignore this column —"))] + [(k, FIELDS[k].label) for k in KINDS[kind].fields]


def check_mapping(kind: str, mapping: list[str]) -> list:
    """Problems with a mapping (lazy messages): unknown or repeated fields, required fields missing."""
    allowed = set(KINDS[kind].fields)
    problems = []
    seen: set[str] = set()
    for key in mapping:
        if key == IGNORE:
            continue
        if key not in allowed:
            problems.append(_l("Unknown field “%(field)s”.", field=key))
        elif key in seen:
            problems.append(_l("“%(field)s” is chosen for more than one column.", field=FIELDS[key].label))
        seen.add(key)
    for group in KINDS[kind].required:
        if not seen & set(group):
            names = " / ".join(str(FIELDS[k].label) for k in group)
            problems.append(_l("Choose a column for %(fields)s.", fields=names))
    return problems


def columns_by_field(mapping: list[str]) -> dict[str, int]:
    return {key: i for i, key in enumerate(mapping) if key}


def template_headers(kind: str, lang: str) -> list[str]:
    """Header names for a blank template in ``lang`` ("en" or "zh"): the first alias of each field."""
    headers = []
    for key in KINDS[kind].fields:
        aliases = _ALIASES[key] + _KIND_ALIASES.get(kind, {}).get(key, [])
        zh = [a for a in aliases if any("\u4e00" <= ch <= "\u9fff" for ch in a)]
        en = [a for a in aliases if a not in zh]
        pick = (zh or en)[0] if lang == "zh" else en[0]
        headers.append(pick if lang == "zh" else pick[:1].upper() + pick[1:])
    return headers
