"""A large, deterministic, realistic dataset for benchmarks and for trying the
product at size: ``flask --app wsgi crm seed-demo --scale N``.

For N deals: N/5 companies, N/2 contacts, 2N meetings, N/4 leads, N/10 tasks,
N/50 titles and up to 110 events (ten markets a year, 2017–2027), owned by the
demo reps and 20 generated reps, in CNY, EUR, USD and GBP, over every deal
type and stage with a stage history (at least one row per deal). Chinese
company and person names are built from word and syllable lists, with their
pinyin as the English name; foreign companies keep a Latin name with the
country in brackets as the Chinese name, as the trade press writes them.

* Deterministic: one seeded random generator per N; the same N gives the same
  names, amounts and dates (meeting statuses follow the day of generation:
  past meetings were held, future ones are scheduled).
* Fast: Core bulk inserts in chunks, ids assigned here, search terms computed
  in bulk (the ORM session events are not involved).
* Idempotent: a marker note records N; running again with the same N does
  nothing, with another N refuses (use an empty database).

Generated people use the reserved ``.example`` domain; every generated rep
signs in with the demo password.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from collections.abc import Callable
from decimal import Decimal
from itertools import product
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .auth.models import User
from .auth.passwords import hash_password
from .companies.models import Company, Contact
from .db_types import utcnow
from .deals.models import Deal, PipelineStage, StageChange, deal_contacts, deal_titles
from .deals.stages import ensure_default_stages
from .demo import DEMO_PASSWORD
from .enums import (
    CompanyKind,
    DealType,
    Genre,
    LeadSource,
    LeadStatus,
    MeetingStatus,
    RegulatoryStatus,
    Role,
    TitleStatus,
)
from .events.models import Event, event_companies
from .extensions import db
from .i18n import lazy_gettext as _l
from .leads.models import Lead
from .meetings.models import Meeting, meeting_contacts
from .search_index import INDEXED, record_terms, search_key, terms_table
from .tasks.models import Note, Task
from .titles.models import Title

MARKER = "crm:scale-dataset N="
CHUNK = 5_000
FIRST_DAY = dt.date(2017, 1, 1)
LAST_DAY = dt.date(2027, 12, 31)
REPS = 20


class ScaleError(RuntimeError):
    """The database holds a generated dataset of another size; ``args[0]`` is a lazy message."""


# ---------------------------------------------------------------------------
# Word lists
# ---------------------------------------------------------------------------

CN_CITIES = [
    ("北京", "Beijing"), ("上海", "Shanghai"), ("杭州", "Hangzhou"), ("深圳", "Shenzhen"), ("广州", "Guangzhou"),
    ("成都", "Chengdu"), ("南京", "Nanjing"), ("苏州", "Suzhou"), ("武汉", "Wuhan"), ("长沙", "Changsha"),
    ("重庆", "Chongqing"), ("西安", "Xi'an"), ("厦门", "Xiamen"), ("宁波", "Ningbo"), ("青岛", "Qingdao"),
    ("天津", "Tianjin"), ("无锡", "Wuxi"), ("合肥", "Hefei"), ("福州", "Fuzhou"), ("昆明", "Kunming"),
    ("大连", "Dalian"), ("济南", "Jinan"), ("郑州", "Zhengzhou"), ("沈阳", "Shenyang"), ("哈尔滨", "Harbin"),
    ("南昌", "Nanchang"), ("贵阳", "Guiyang"), ("海口", "Haikou"), ("温州", "Wenzhou"), ("绍兴", "Shaoxing"),
]
CN_BRANDS = [
    ("雷霆", "Thunder"), ("星河", "Xinghe"), ("青禾", "Qinghe"), ("彩虹", "Rainbow"), ("金鹰", "Golden Eagle"),
    ("蓝海", "Blue Ocean"), ("天马", "Tianma"), ("飞鱼", "Flying Fish"), ("云图", "Yuntu"), ("长风", "Changfeng"),
    ("华影", "Huaying"), ("光年", "Light Year"), ("白鹭", "Egret"), ("锦鲤", "Koi"), ("凤凰", "Phoenix"),
    ("麒麟", "Qilin"), ("朝阳", "Chaoyang"), ("远山", "Yuanshan"), ("新月", "New Moon"), ("北辰", "Beichen"),
    ("青鸟", "Bluebird"), ("橙果", "Orange Fruit"), ("木兰", "Mulan"), ("墨竹", "Mozhu"), ("明珠", "Pearl"),
    ("东方", "Oriental"), ("盛世", "Shengshi"), ("万象", "Wanxiang"), ("乐游", "Leyou"), ("神舟", "Shenzhou"),
    ("海豚", "Dolphin"), ("熊猫", "Panda"), ("银河", "Galaxy"), ("红星", "Red Star"), ("紫金", "Zijin"),
    ("翠湖", "Cuihu"), ("九州", "Jiuzhou"), ("灵犀", "Lingxi"), ("奇点", "Singularity"), ("梦工坊", "Dream Works"),
    ("小蚁", "Little Ant"), ("鲸鱼", "Whale"), ("山海", "Shanhai"), ("长城", "Great Wall"), ("瑞丰", "Ruifeng"),
    ("嘉禾", "Jiahe"), ("泰和", "Taihe"), ("鼎盛", "Dingsheng"), ("悦享", "Yuexiang"), ("追光", "Light Chaser"),
    ("若森", "Ruosen"), ("米粒", "Mili"), ("萤火", "Firefly"), ("向日葵", "Sunflower"), ("大象", "Elephant"),
    ("千帆", "Qianfan"), ("琥珀", "Amber"), ("松果", "Pine Cone"), ("星辰", "Starry"), ("海棠", "Crabapple"),
]
# Chinese word, English word, kind
CN_TRADES = [
    ("动画", "Animation", CompanyKind.ANIMATION_STUDIO), ("影业", "Pictures", CompanyKind.PRODUCER),
    ("传媒", "Media", CompanyKind.DISTRIBUTOR), ("文化传播", "Culture Communication", CompanyKind.AGENCY),
    ("影视", "Film & TV", CompanyKind.PRODUCER), ("数字娱乐", "Digital Entertainment", CompanyKind.STREAMING),
    ("电视台", "Television", CompanyKind.BROADCASTER), ("视频", "Video", CompanyKind.STREAMING),
    ("纪录片", "Documentaries", CompanyKind.PRODUCER), ("节目模式", "Formats", CompanyKind.FORMAT_OWNER),
    ("国际发行", "International Distribution", CompanyKind.DISTRIBUTOR), ("动漫", "Animation & Comics",
                                                                         CompanyKind.ANIMATION_STUDIO),
]
FOREIGN_FIRST = [
    "Blue", "Red", "Silver", "Golden", "Little", "Big", "Northern", "Southern", "Wild", "Bright", "Green",
    "Hidden", "Happy", "Brave", "Curious", "Paper", "Iron", "Crystal", "Lucky", "Rolling", "Clever", "Quiet",
]
FOREIGN_SECOND = [
    "Harbour", "Lantern", "Fox", "Owl", "Maple", "Otter", "Comet", "Island", "Kite", "Meadow", "River", "Pebble",
    "Tiger", "Whale", "Compass", "Anchor", "Falcon", "Orchard", "Bridge", "Castle", "Cloud", "Lighthouse",
]
FOREIGN_TRADES = [
    ("Animation", CompanyKind.ANIMATION_STUDIO), ("Pictures", CompanyKind.PRODUCER), ("Films", CompanyKind.PRODUCER),
    ("Media", CompanyKind.DISTRIBUTOR), ("Distribution", CompanyKind.DISTRIBUTOR),
    ("Television", CompanyKind.BROADCASTER), ("Studios", CompanyKind.ANIMATION_STUDIO),
    ("Formats", CompanyKind.FORMAT_OWNER), ("Docs", CompanyKind.PRODUCER), ("Kids", CompanyKind.BROADCASTER),
    ("Play", CompanyKind.STREAMING), ("Agency", CompanyKind.AGENCY),
]
# ISO code, Chinese country name, cities, currency
FOREIGN_COUNTRIES = [
    ("FR", "法国", ["Paris", "Lyon", "Angoulême", "Annecy"], "EUR"),
    ("GB", "英国", ["London", "Bristol", "Manchester", "Cardiff"], "GBP"),
    ("DE", "德国", ["Munich", "Berlin", "Hamburg", "Cologne"], "EUR"),
    ("US", "美国", ["Los Angeles", "New York", "Atlanta"], "USD"),
    ("CA", "加拿大", ["Toronto", "Vancouver", "Montreal"], "USD"),
    ("KR", "韩国", ["Seoul", "Busan"], "USD"),
    ("JP", "日本", ["Tokyo", "Osaka"], "USD"),
    ("AU", "澳大利亚", ["Sydney", "Melbourne"], "USD"),
    ("SG", "新加坡", ["Singapore"], "USD"),
    ("NL", "荷兰", ["Amsterdam", "Hilversum"], "EUR"),
    ("IT", "意大利", ["Rome", "Milan"], "EUR"),
    ("ES", "西班牙", ["Madrid", "Barcelona"], "EUR"),
    ("IE", "爱尔兰", ["Dublin", "Kilkenny"], "EUR"),
    ("NZ", "新西兰", ["Auckland", "Wellington"], "USD"),
]
SURNAMES = [
    ("王", "Wang"), ("李", "Li"), ("张", "Zhang"), ("刘", "Liu"), ("陈", "Chen"), ("杨", "Yang"), ("黄", "Huang"),
    ("赵", "Zhao"), ("吴", "Wu"), ("周", "Zhou"), ("徐", "Xu"), ("孙", "Sun"), ("马", "Ma"), ("朱", "Zhu"),
    ("胡", "Hu"), ("郭", "Guo"), ("何", "He"), ("林", "Lin"), ("罗", "Luo"), ("高", "Gao"), ("梁", "Liang"),
    ("郑", "Zheng"), ("谢", "Xie"), ("宋", "Song"), ("唐", "Tang"), ("许", "Xu"), ("韩", "Han"), ("冯", "Feng"),
    ("邓", "Deng"), ("曹", "Cao"), ("彭", "Peng"), ("曾", "Zeng"), ("萧", "Xiao"), ("田", "Tian"), ("董", "Dong"),
    ("潘", "Pan"), ("袁", "Yuan"), ("蔡", "Cai"), ("蒋", "Jiang"), ("余", "Yu"),
]
GIVEN = [
    ("伟", "wei"), ("芳", "fang"), ("娜", "na"), ("敏", "min"), ("静", "jing"), ("丽", "li"), ("强", "qiang"),
    ("磊", "lei"), ("洋", "yang"), ("艳", "yan"), ("勇", "yong"), ("军", "jun"), ("杰", "jie"), ("娟", "juan"),
    ("涛", "tao"), ("明", "ming"), ("超", "chao"), ("秀", "xiu"), ("霞", "xia"), ("平", "ping"), ("刚", "gang"),
    ("桂", "gui"), ("华", "hua"), ("飞", "fei"), ("浩", "hao"), ("欣", "xin"), ("雪", "xue"), ("晨", "chen"),
    ("宇", "yu"), ("婷", "ting"), ("嘉", "jia"), ("鹏", "peng"), ("琳", "lin"), ("晓", "xiao"), ("文", "wen"),
    ("建", "jian"), ("海", "hai"), ("玉", "yu"), ("兰", "lan"), ("云", "yun"), ("思", "si"), ("雨", "yu"),
    ("子", "zi"), ("博", "bo"), ("凯", "kai"), ("昊", "hao"), ("佳", "jia"), ("怡", "yi"), ("倩", "qian"),
    ("然", "ran"),
]
FOREIGN_GIVEN = [
    "Camille", "Julien", "Sophie", "Thomas", "Emma", "Oliver", "Katrin", "Daniel", "Laura", "Marco", "Anna",
    "Lucas", "Hannah", "James", "Chloe", "Noah", "Mia", "Pierre", "Ines", "Sven", "Yuki", "Min-jun", "Ji-woo",
    "Isabel", "Liam", "Grace", "Hugo", "Elena", "Felix", "Sara",
]
FOREIGN_FAMILY = [
    "Martin", "Dupont", "Moreau", "Smith", "Jones", "Brown", "Weber", "Schmidt", "Müller", "Rossi", "Bianchi",
    "García", "López", "de Vries", "Jansen", "Kim", "Park", "Lee", "Sato", "Tanaka", "Murphy", "Kelly", "Wilson",
    "Taylor", "Tremblay", "Roy", "Nguyen", "Tan", "Lim", "Fischer",
]
JOBS = [
    ("Head of Acquisitions", "采购总监"), ("Sales Director", "销售总监"), ("Producer", "制片人"),
    ("Head of International Sales", "国际销售总监"), ("Business Affairs Manager", "商务法务经理"),
    ("Content Partnerships Manager", "内容合作经理"), ("Chief Executive Officer", "总经理"),
    ("Format Development Producer", "模式研发制片人"), ("Kids Content Director", "少儿内容总监"),
    ("Licensing Manager", "授权经理"),
]
TITLE_WORDS = [
    ("彩虹", "Rainbow"), ("熊猫", "Panda"), ("小龙", "Little Dragon"), ("星星", "Star"), ("月亮", "Moon"),
    ("森林", "Forest"), ("海洋", "Ocean"), ("丝路", "Silk Road"), ("长江", "Yangtze"), ("西湖", "West Lake"),
    ("雪山", "Snow Mountain"), ("草原", "Grassland"), ("果园", "Orchard"), ("机器人", "Robot"), ("恐龙", "Dinosaur"),
    ("小鸡", "Chicks"), ("兔子", "Bunny"), ("风筝", "Kite"), ("茶园", "Tea Garden"), ("古城", "Ancient City"),
]
TITLE_TAILS = [
    ("历险记", "Adventures", Genre.ANIMATION), ("的故事", "Tales", Genre.ANIMATION),
    ("小分队", "Squad", Genre.ANIMATION), ("探秘", "Explorers", Genre.DOCUMENTARY),
    ("纪行", "Journeys", Genre.DOCUMENTARY), ("传奇", "Legends", Genre.DRAMA),
    ("往事", "Chronicles", Genre.DRAMA), ("大挑战", "Challenge", Genre.VARIETY),
    ("达人秀", "Talent Show", Genre.VARIETY), ("之夜", "Nights", Genre.FILM),
]
# English, Chinese, city, country, time zone, month, first day, days
MARKETS = [
    ("MIP China", "MIP China 国际内容峰会", "Hangzhou", "CN", "Asia/Shanghai", 5, 23, 3),
    ("MIPCOM", "戛纳秋季电视节（MIPCOM）", "Cannes", "FR", "Europe/Paris", 10, 16, 4),
    ("MIPTV", "戛纳春季电视节（MIPTV）", "Cannes", "FR", "Europe/Paris", 4, 3, 4),
    ("Shanghai TV Festival", "上海电视节", "Shanghai", "CN", "Asia/Shanghai", 6, 12, 5),
    ("Asia TV Forum & Market", "亚洲电视论坛及内容交易市场（ATF）", "Singapore", "SG", "Asia/Singapore", 12, 5, 3),
    ("Hong Kong FILMART", "香港国际影视展", "Hong Kong", "HK", "Asia/Hong_Kong", 3, 18, 4),
    ("Annecy / MIFA", "安纳西国际动画电影节（MIFA）", "Annecy", "FR", "Europe/Paris", 6, 13, 4),
    ("Kidscreen Summit", "Kidscreen 峰会", "Miami", "US", "America/New_York", 2, 12, 4),
    ("Sunny Side of the Doc", "阳光纪录片节", "La Rochelle", "FR", "Europe/Paris", 6, 19, 4),
    ("China International Animation Festival", "中国国际动漫节", "Hangzhou", "CN", "Asia/Shanghai", 4, 26, 6),
]
LOST_REASONS = [
    "Price too high / 价格过高", "Lost to a competing title / 输给竞争片目", "Budget cut / 预算削减",
    "Import approval not obtained / 未获引进审批", "Rights already licensed / 版权已授出", "No response / 对方无回应",
]
TASK_SUBJECTS = [
    "Send screeners", "Send the offer", "Chase the signed contract", "Prepare the term sheet",
    "Follow up after the market", "发送样片链接", "跟进报价", "准备条款书", "确认交付物料", "提交引进审批材料",
]
TYPE_ZH = {DealType.COPRODUCTION: "联合制作", DealType.DISTRIBUTION: "发行", DealType.ACQUISITION: "引进",
           DealType.FORMAT: "模式授权", DealType.PRESALE: "预售"}
TYPE_EN = {DealType.COPRODUCTION: "co-production", DealType.DISTRIBUTION: "distribution",
           DealType.ACQUISITION: "acquisition", DealType.FORMAT: "format licence", DealType.PRESALE: "pre-sale"}
DEAL_TYPES = [(DealType.DISTRIBUTION, 40), (DealType.COPRODUCTION, 20), (DealType.ACQUISITION, 15),
              (DealType.FORMAT, 13), (DealType.PRESALE, 12)]


# ---------------------------------------------------------------------------
# Generator
# ---------------------------------------------------------------------------


def counts_for(n: int) -> dict[str, int]:
    """Rows of each kind generated for scale ``n``."""
    return {
        "deals": n,
        "companies": max(n // 5, 1),
        "contacts": max(n // 2, 1),
        "meetings": 2 * n,
        "leads": max(n // 4, 1),
        "tasks": max(n // 10, 1),
        "titles": max(n // 50, 5),
        "events": min(len(MARKETS) * 11, max(n // 500, 4)),
        "users": REPS,
    }


def existing_scale() -> int | None:
    """N of the generated dataset in the database, if any."""
    body = db.session.scalar(sa.select(Note.body).where(Note.body.startswith(MARKER)).limit(1))
    return int(body[len(MARKER):].split()[0]) if body else None


def seed_scale(n: int, progress: Callable[[str], None] | None = None) -> dict[str, int]:
    """Generate the dataset of scale ``n`` (the demo story should be loaded first
    for the demo logins); returns rows created per kind, {} when already present.
    Flushes but does not commit."""
    present = existing_scale()
    if present == n:
        return {}
    if present is not None:
        raise ScaleError(_l("This database already holds a generated dataset of scale %(old)d; "
                            "use an empty database for scale %(new)d.", old=present, new=n))
    return _Generator(n, progress).run()


def _weighted(rng: random.Random, pairs):
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


class _Generator:
    def __init__(self, n: int, progress: Callable[[str], None] | None) -> None:
        self.n = n
        self.rng = random.Random(f"crm-scale:{n}")
        self.counts = counts_for(n)
        self.progress = progress or (lambda _msg: None)
        self.started = time.monotonic()
        self.conn = None
        self.now = utcnow().replace(microsecond=0)
        self.created: dict[str, int] = {}

    # -- helpers -------------------------------------------------------------

    def log(self, message: str) -> None:
        self.progress(f"[{time.monotonic() - self.started:6.1f}s] {message}")

    def next_id(self, table: sa.Table) -> int:
        return (self.conn.scalar(sa.select(sa.func.max(table.c.id))) or 0) + 1

    def insert(self, table: sa.Table, rows: list[dict]) -> None:
        for start in range(0, len(rows), CHUNK):
            self.conn.execute(table.insert(), rows[start:start + CHUNK])

    def day(self, start: dt.date = FIRST_DAY, end: dt.date = LAST_DAY) -> dt.date:
        return start + dt.timedelta(days=self.rng.randrange((end - start).days + 1))

    def moment(self, day: dt.date) -> dt.datetime:
        """A working-hours moment of ``day`` (UTC, from Beijing or Paris office hours)."""
        minutes = self.rng.randrange(1, 10 * 60)  # 08:00–18:00 in UTC+8 ≈ 00:00–10:00 UTC
        return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC) + dt.timedelta(minutes=minutes)

    def index_terms(self, etype: str, rows: list[dict], has_key: bool = True) -> list[dict]:
        fields = INDEXED[next(m for m in INDEXED if INDEXED[m][0] == etype)][1]
        term_rows = []
        for row in rows:
            terms = record_terms(fields, row)
            if has_key:
                row["search_key"] = search_key(terms)
            term_rows.extend({"entity_type": etype, "entity_id": row["id"], "term": t} for t in sorted(terms))
        return term_rows

    # -- steps ---------------------------------------------------------------

    def run(self) -> dict[str, int]:
        ensure_default_stages()
        db.session.flush()
        self.conn = db.session.connection()
        if self.conn.dialect.name == "sqlite":
            self.conn.exec_driver_sql("PRAGMA cache_size = -262144")  # 256 MiB: index inserts stay in memory
        self.load_stages()
        for step in (self.make_users, self.make_companies, self.make_contacts, self.make_titles, self.make_events,
                     self.make_meetings, self.make_leads, self.make_deals, self.make_tasks):
            step()
        self.conn.execute(Note.__table__.insert(), [{
            "body": f"{MARKER}{self.n} (generated by flask crm seed-demo --scale)", "created_at": self.now,
        }])
        self.fix_sequences()
        self.log("done")
        return self.created

    def load_stages(self) -> None:
        self.stages: dict[DealType, list] = {}
        rows = db.session.execute(
            sa.select(PipelineStage.deal_type, PipelineStage.id, PipelineStage.key, PipelineStage.is_won,
                      PipelineStage.is_lost)
            .where(PipelineStage.active).order_by(PipelineStage.deal_type, PipelineStage.position)
        )
        for deal_type, ident, key, won, lost in rows:
            self.stages.setdefault(DealType(deal_type), []).append((ident, key, won, lost))

    def make_users(self) -> None:
        table = User.__table__
        first = self.next_id(table)
        password_hash = hash_password(DEMO_PASSWORD)
        rows = []
        for i in range(REPS):
            surname, surname_en = SURNAMES[(i * 7) % len(SURNAMES)]
            given, given_en = GIVEN[(i * 11) % len(GIVEN)]
            foreign = i % 4 == 3
            name = (f"{self.rng.choice(FOREIGN_GIVEN)} {self.rng.choice(FOREIGN_FAMILY)}" if foreign
                    else f"{surname_en} {given_en.capitalize()} {surname}{given}")
            rows.append({
                "id": first + i, "email": f"rep{i + 1:02d}@scale.example", "name": name,
                "password_hash": password_hash, "role": Role.REP, "locale": "en" if foreign else "zh",
                "timezone": "Europe/Paris" if foreign else "Asia/Shanghai",
                "reporting_currency": "EUR" if foreign else "CNY", "active": True,
                "session_token": f"scale-{self.n}-{i}", "created_at": self.now, "updated_at": self.now,
            })
        self.insert(table, rows)
        demo = [u for u in db.session.scalars(
            sa.select(User.id).where(User.email.in_(["rep@demo.example", "rep2@demo.example"])).order_by(User.id))]
        self.owners = demo + [r["id"] for r in rows]
        self.created["users"] = len(rows)
        self.log(f"{len(rows)} users")

    def make_companies(self) -> None:
        table = Company.__table__
        first = self.next_id(table)
        total = self.counts["companies"]
        chinese_combos = list(product(range(len(CN_CITIES)), range(len(CN_BRANDS)), range(len(CN_TRADES))))
        foreign_combos = list(product(range(len(FOREIGN_FIRST)), range(len(FOREIGN_SECOND)),
                                      range(len(FOREIGN_TRADES))))
        self.rng.shuffle(chinese_combos)
        self.rng.shuffle(foreign_combos)
        rows = []
        self.company_currency: list[str] = []
        self.company_chinese: list[bool] = []
        cn_i = fo_i = 0
        for i in range(total):
            ident = first + i
            chinese = self.rng.random() < 0.55
            created = self.moment(self.day(FIRST_DAY, dt.date(2026, 6, 30)))
            if chinese:
                c, b, t = chinese_combos[cn_i % len(chinese_combos)]
                round_ = cn_i // len(chinese_combos)
                cn_i += 1
                (city_zh, city_en), (brand_zh, brand_en), (trade_zh, trade_en, kind) = (
                    CN_CITIES[c], CN_BRANDS[b], CN_TRADES[t])
                suffix_zh, suffix_en = (f"第{round_ + 1}", f" {round_ + 1}") if round_ else ("", "")
                row = dict(name_zh=f"{city_zh}{brand_zh}{trade_zh}{suffix_zh}",
                           name_en=f"{city_en} {brand_en} {trade_en}{suffix_en}",
                           legal_name_zh=(f"{city_zh}{brand_zh}{trade_zh}有限公司{suffix_zh}"
                                          if self.rng.random() < 0.25 else None),
                           country="CN", city=city_en, kind=kind)
                currency = "CNY"
            else:
                f1, f2, t = foreign_combos[fo_i % len(foreign_combos)]
                round_ = fo_i // len(foreign_combos)
                fo_i += 1
                trade_en, kind = FOREIGN_TRADES[t]
                code, country_zh, cities, currency = self.rng.choice(FOREIGN_COUNTRIES)
                name_en = f"{FOREIGN_FIRST[f1]} {FOREIGN_SECOND[f2]} {trade_en}" + (f" {round_ + 1}" if round_ else "")
                row = dict(name_en=name_en, name_zh=f"{name_en}（{country_zh}）", legal_name_zh=None,
                           country=code, city=self.rng.choice(cities), kind=kind)
            row.update(id=ident, legal_name_en=None, address_en=None, address_zh=None,
                       website=f"https://c{i + 1}.scale.example", notes=None, created_at=created,
                       updated_at=created, archived_at=None)
            rows.append(row)
            self.company_currency.append(currency)
            self.company_chinese.append(chinese)
        terms = self.index_terms("company", rows)
        self.insert(table, rows)
        self.insert(terms_table, terms)
        self.company_ids = [r["id"] for r in rows]
        self.created["companies"] = len(rows)
        self.log(f"{len(rows)} companies, {len(terms)} search terms")

    def make_contacts(self) -> None:
        table = Contact.__table__
        first = self.next_id(table)
        rows = []
        self.contacts_of: dict[int, list[int]] = {}
        for i in range(self.counts["contacts"]):
            ident = first + i
            # Every company gets a contact before any gets a second one.
            k = i if i < len(self.company_ids) else self.rng.randrange(len(self.company_ids))
            company_id = self.company_ids[k]
            job_en, job_zh = self.rng.choice(JOBS)
            if self.company_chinese[k] or self.rng.random() < 0.1:
                surname, surname_en = self.rng.choice(SURNAMES)
                given = self.rng.sample(GIVEN, self.rng.choice((1, 2)))
                given_zh = "".join(g[0] for g in given)
                given_en = "".join(g[1] for g in given)
                name_zh, name_en = f"{surname}{given_zh}", f"{surname_en} {given_en.capitalize()}"
                local = f"{given_en}.{surname_en.lower()}"
                wechat = f"{surname_en.lower()}{given_en}_{i + 1}"
                languages = "zh en" if self.rng.random() < 0.7 else "zh"
            else:
                given_en, family = self.rng.choice(FOREIGN_GIVEN), self.rng.choice(FOREIGN_FAMILY)
                name_en, name_zh = f"{given_en} {family}", None
                local = f"{given_en}.{family}".lower().replace(" ", "").replace("ü", "u").replace("í", "i")
                wechat = f"{given_en.lower()}_{i + 1}" if self.rng.random() < 0.3 else None
                languages = "en"
            rows.append(dict(
                id=ident, company_id=company_id, name_en=name_en, name_zh=name_zh, job_title_en=job_en,
                job_title_zh=job_zh, email=f"{local}.{i + 1}@c{k + 1}.scale.example", phone=None,
                wechat_id=wechat, languages=languages, notes=None, created_at=self.now, updated_at=self.now,
                archived_at=None,
            ))
            self.contacts_of.setdefault(company_id, []).append(ident)
        terms = self.index_terms("contact", rows)
        self.insert(table, rows)
        self.insert(terms_table, terms)
        self.created["contacts"] = len(rows)
        self.log(f"{len(rows)} contacts, {len(terms)} search terms")

    def make_titles(self) -> None:
        table = Title.__table__
        first = self.next_id(table)
        combos = list(product(range(len(TITLE_WORDS)), range(len(TITLE_WORDS)), range(len(TITLE_TAILS))))
        self.rng.shuffle(combos)
        rows = []
        for i in range(self.counts["titles"]):
            a, b, t = combos[i % len(combos)]
            (wa_zh, wa_en), (wb_zh, wb_en), (tail_zh, tail_en, genre) = TITLE_WORDS[a], TITLE_WORDS[b], TITLE_TAILS[t]
            season = i // len(combos)
            name_zh = f"{wa_zh}{wb_zh}{tail_zh}" if a != b else f"{wa_zh}{tail_zh}"
            name_en = f"{wa_en} {wb_en} {tail_en}" if a != b else f"{wa_en} {tail_en}"
            if season:
                name_zh, name_en = f"{name_zh} 第{season + 1}季", f"{name_en} (season {season + 1})"
            episodes, minutes = {
                Genre.ANIMATION: (52, 11), Genre.DOCUMENTARY: (6, 52), Genre.DRAMA: (36, 45),
                Genre.VARIETY: (12, 90), Genre.FILM: (1, 95),
            }[genre]
            rows.append(dict(
                id=first + i, name_en=name_en, name_zh=name_zh, genre=genre, episodes=episodes,
                episode_minutes=minutes, status=self.rng.choice(list(TitleStatus)),
                year=self.rng.randrange(2015, 2028), rights_holder_id=self.rng.choice(self.company_ids),
                synopsis_en=None, synopsis_zh=None, created_at=self.now, updated_at=self.now, archived_at=None,
            ))
        terms = self.index_terms("title", rows)
        self.insert(table, rows)
        self.insert(terms_table, terms)
        self.title_ids = [r["id"] for r in rows]
        self.title_names = [r["name_en"] for r in rows]
        self.created["titles"] = len(rows)
        self.log(f"{len(rows)} titles")

    def make_events(self) -> None:
        table = Event.__table__
        first = self.next_id(table)
        years = list(range(2017, 2028))
        slots = [(y, m) for y in years for m in range(len(MARKETS))]
        wanted = self.counts["events"]
        step = len(slots) / wanted
        chosen = [slots[int(i * step)] for i in range(wanted)]
        rows, attend = [], []
        self.events: list[dict] = []
        for i, (year, m) in enumerate(chosen):
            name_en, name_zh, city, country, zone, month, day, days = MARKETS[m]
            start = dt.date(year, month, day)
            row = dict(id=first + i, name_en=f"{name_en} {year}", name_zh=f"{year} {name_zh}", city=city, venue=None,
                       country=country, timezone=zone, start_date=start, end_date=start + dt.timedelta(days=days - 1),
                       organiser_id=None, website=None, notes=None, created_at=self.now, updated_at=self.now,
                       archived_at=None)
            rows.append(row)
            self.events.append(row)
            for company_id in self.rng.sample(self.company_ids, min(len(self.company_ids), 60)):
                attend.append({"event_id": row["id"], "company_id": company_id})
        terms = self.index_terms("event", rows, has_key=False)
        self.insert(table, rows)
        self.insert(event_companies, attend)
        self.insert(terms_table, terms)
        self.created["events"] = len(rows)
        self.log(f"{len(rows)} events")

    def make_meetings(self) -> None:
        table = Meeting.__table__
        first = self.next_id(table)
        rows, links = [], []
        self.meeting_info: list[tuple] = []  # (id, owner, company, event id, starts_at)
        outcomes = [(MeetingStatus.HELD, 80), (MeetingStatus.NO_SHOW, 8), (MeetingStatus.CANCELLED, 12)]
        for i in range(self.counts["meetings"]):
            ident = first + i
            owner = self.rng.choice(self.owners)
            company = self.rng.choice(self.company_ids)
            at_event = self.rng.random() < 0.7
            event = self.rng.choice(self.events)
            slot, table_no, day_offset = self.rng.randrange(16), self.rng.randrange(1, 41), self.rng.randrange(4)
            if at_event:
                zone = ZoneInfo(event["timezone"])
                day = min(event["start_date"] + dt.timedelta(days=day_offset), event["end_date"])
                local = dt.datetime.combine(day, dt.time(9, 30), tzinfo=zone) + dt.timedelta(minutes=30 * slot)
                starts = local.astimezone(dt.UTC)
            else:
                starts = self.moment(self.day())
            outcome = _weighted(self.rng, outcomes)
            interest = self.rng.randrange(1, 6)
            status = outcome if starts < self.now else MeetingStatus.SCHEDULED
            rows.append(dict(
                id=ident, event_id=event["id"] if at_event else None, owner_id=owner, company_id=company,
                starts_at=starts, duration_minutes=30 if at_event else 60,
                location=f"Table {table_no}" if at_event else None, status=status, notes=None,
                interest_level=interest if status == MeetingStatus.HELD else None, next_step=None,
                follow_up_date=None, created_at=starts - dt.timedelta(days=14), updated_at=starts,
                archived_at=None,
            ))
            people = self.contacts_of.get(company)
            if people:
                links.append({"meeting_id": ident, "contact_id": people[i % len(people)]})
            self.meeting_info.append((ident, owner, company, event["id"] if at_event else None, starts))
        self.insert(table, rows)
        self.insert(meeting_contacts, links)
        self.created["meetings"] = len(rows)
        self.log(f"{len(rows)} meetings")

    def make_leads(self) -> None:
        table = Lead.__table__
        first = self.next_id(table)
        rows = []
        self.lead_info: list[tuple] = []
        self.lead_event: dict[int, int | None] = {}  # lead id -> the event it came from
        statuses = [(LeadStatus.NEW, 30), (LeadStatus.QUALIFIED, 30), (LeadStatus.CONVERTED, 25),
                    (LeadStatus.DISQUALIFIED, 15)]
        for i in range(self.counts["leads"]):
            meeting_id, owner, company, event_id, starts = self.rng.choice(self.meeting_info)
            deal_type = _weighted(self.rng, DEAL_TYPES)
            genre = self.rng.choice(list(Genre))
            status = _weighted(self.rng, statuses)
            people = self.contacts_of.get(company)
            rows.append(dict(
                id=first + i, owner_id=owner, company_id=company, contact_id=people[0] if people else None,
                source=LeadSource.MEETING if event_id else LeadSource.INBOUND, event_id=event_id,
                meeting_id=meeting_id, deal_type=deal_type, genre=genre, status=status,
                summary=f"{TYPE_EN[deal_type].capitalize()} · {genre.value} / {TYPE_ZH[deal_type]}", notes=None,
                disqualified_reason="No budget this year / 今年没有预算" if status == LeadStatus.DISQUALIFIED else None,
                created_at=starts + dt.timedelta(hours=2), updated_at=starts + dt.timedelta(days=3),
                archived_at=None,
            ))
            self.lead_info.append((first + i, status))
            self.lead_event[first + i] = event_id
        self.insert(table, rows)
        self.created["leads"] = len(rows)
        self.log(f"{len(rows)} leads")

    def make_deals(self) -> None:
        table, history_table = Deal.__table__, StageChange.__table__
        first = self.next_id(table)
        next_change = self.next_id(history_table)
        self.deal_first = first
        rows, history, titles, contacts = [], [], [], []
        converted = [lead for lead, status in self.lead_info if status == LeadStatus.CONVERTED]
        for i in range(self.counts["deals"]):
            ident = first + i
            deal_type = _weighted(self.rng, DEAL_TYPES)
            stages = self.stages[deal_type]
            open_stages = [s for s in stages if not s[2] and not s[3]]
            won, lost = next(s for s in stages if s[2]), next(s for s in stages if s[3])
            r = self.rng.random()
            target = won if r < 0.15 else lost if r < 0.33 else open_stages[int(r * 1000) % len(open_stages)]
            k = self.rng.randrange(len(self.company_ids))
            company = self.company_ids[k]
            currency = self.company_currency[k] if self.rng.random() < 0.75 else self.rng.choice(
                ["USD", "EUR", "CNY", "GBP"])
            owner = self.rng.choice(self.owners)
            t = self.rng.randrange(len(self.title_ids))
            title, title_name = self.title_ids[t], self.title_names[t]
            created_day = self.day(FIRST_DAY, dt.date(2026, 10, 31))
            created = self.moment(created_day)
            amount = Decimal(int(10 ** self.rng.uniform(4, 6.7)) // 1000 * 1000 + 1000)
            self.rng.choice(self.events)  # (a draw kept so that the values drawn after it stay the same)
            lead = converted[i % len(converted)] if converted and i % 4 == 0 else None
            # Stage path: the first stage, some of the ones between, then the target.
            position = stages.index(target)
            path = [stages[0]]
            for stage in stages[1:position]:
                if stage not in (won, lost) and self.rng.random() < 0.5:
                    path.append(stage)
            if target != stages[0]:
                path.append(target)
            when, prev = created, None
            for stage in path:
                gap = None if prev is None else int((self.rng.uniform(3, 90)) * 86400)
                if gap is not None:
                    when = when + dt.timedelta(seconds=gap)
                history.append({
                    "id": next_change, "deal_id": ident, "from_stage_id": prev[0] if prev else None,
                    "to_stage_id": stage[0], "changed_by_id": owner, "changed_at": when,
                    "seconds_in_previous_stage": gap,
                    "reason": self.rng.choice(LOST_REASONS) if stage == lost else None,
                })
                next_change += 1
                prev = stage
            closed = target in (won, lost)
            close_date = min(created_day + dt.timedelta(days=self.rng.randrange(30, 540)), LAST_DAY)
            from_market = self.rng.random() < 0.6
            rows.append(dict(
                id=ident, deal_type=deal_type,
                name_en=f"{title_name} — {TYPE_EN[deal_type]} #{i + 1}",
                name_zh=f"{TYPE_ZH[deal_type]}项目 #{i + 1}",
                stage_id=target[0], owner_id=owner, company_id=company, amount=amount, currency=currency,
                expected_close_date=close_date, lead_id=lead, meeting_id=None,
                # A deal is "from" a market when its lead came from one (most of those leads): each
                # market's funnel narrows, meetings held > leads > deals > won.
                event_id=self.lead_event.get(lead) if from_market and lead else None,
                regulatory_status=(self.rng.choice(list(RegulatoryStatus)) if currency == "CNY"
                                   else RegulatoryStatus.NOT_NEEDED),
                stage_entered_at=when,
                signed_on=when.date() if target[1] in ("signed", "regulatory", "won") else None,
                closed_at=when if closed else None,
                won_reason="Delivered and accepted / 交付验收" if target == won else None,
                lost_reason=history[-1]["reason"] if target == lost else None,
                notes=None, version=1, created_at=created, updated_at=when, archived_at=None,
            ))
            titles.append({"deal_id": ident, "title_id": title})
            people = self.contacts_of.get(company)
            if people:
                contacts.append({"deal_id": ident, "contact_id": people[0]})
            if len(rows) >= CHUNK:
                self._flush_deals(rows, history, titles, contacts)
        self._flush_deals(rows, history, titles, contacts)
        self.created["deals"] = self.counts["deals"]
        self.created["stage_changes"] = self._history_total
        self.log(f"{self.counts['deals']} deals, {self._history_total} stage changes")

    _history_total = 0

    def _flush_deals(self, rows, history, titles, contacts) -> None:
        self.insert(Deal.__table__, rows)
        self.insert(StageChange.__table__, history)
        self.insert(deal_titles, titles)
        self.insert(deal_contacts, contacts)
        self._history_total += len(history)
        for batch in (rows, history, titles, contacts):
            batch.clear()

    def make_tasks(self) -> None:
        table = Task.__table__
        first = self.next_id(table)
        rows = []
        for i in range(self.counts["tasks"]):
            due = self.day(dt.date(2017, 6, 1), dt.date(2027, 6, 30))
            done = self.rng.random() < 0.6
            rows.append(dict(
                id=first + i, owner_id=self.rng.choice(self.owners), subject=self.rng.choice(TASK_SUBJECTS),
                due_on=due,
                done_at=(dt.datetime.combine(due, dt.time(10), tzinfo=dt.UTC)
                         if done and due < self.now.date() else None),
                notes=None, deal_id=self.deal_first + self.rng.randrange(self.counts["deals"]), lead_id=None,
                company_id=None, contact_id=None, meeting_id=None, created_at=self.now, updated_at=self.now,
                archived_at=None,
            ))
        self.insert(table, rows)
        self.created["tasks"] = len(rows)
        self.log(f"{len(rows)} tasks")

    def fix_sequences(self) -> None:
        """PostgreSQL: move each id sequence past the ids assigned here."""
        if self.conn.dialect.name != "postgresql":
            return
        for table in (User.__table__, Company.__table__, Contact.__table__, Title.__table__, Event.__table__,
                      Meeting.__table__, Lead.__table__, Deal.__table__, StageChange.__table__, Task.__table__,
                      Note.__table__):
            # Table names come from the metadata above, never from input.
            self.conn.execute(sa.text(
                f"SELECT setval(pg_get_serial_sequence('{table.name}', 'id'), "  # noqa: S608
                f"(SELECT coalesce(max(id), 1) FROM {table.name}))"
            ))
