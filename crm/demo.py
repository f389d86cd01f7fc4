"""Demo data: the MIP China 2017 story (``flask --app wsgi crm seed-demo``).

Hangzhou Thunder Animation's international business team meets buyers and
partners at the MIP China International Content Summit (Hangzhou, 23–25 May
2017), follows up at MIPCOM (Cannes, October 2017), and works the resulting
leads and deals. The summit figures and the Thunder × Millimages *Rainbow
Chicks* distribution deal come from trade reports (see the domain notes);
every other deal, person, synopsis, amount, legal name and address is invented
for the demo. Companies marked "fictional" below do not exist. E-mail addresses
use the reserved ``.example`` domain and phone numbers are zeros.

Demo logins (password for all four: ``mipchina2017``):

=====================  ==============  =======  ===============================
Email                  Name            Role     Language / time zone / currency
=====================  ==============  =======  ===============================
rep@demo.example       Li Na 李娜       rep      zh / Asia/Shanghai / CNY
rep2@demo.example      Tom Martin      rep      en / Europe/Paris / EUR
manager@demo.example   Wang Wei 王伟    manager  browser / Asia/Shanghai / USD
admin@demo.example     Admin           admin    browser / Asia/Shanghai / USD
=====================  ==============  =======  ===============================

Dates: the market meetings and closed deals keep their 2017 dates. Open deals
were first met in 2017 but their latest stage moves, expected close dates and
licence periods are computed from the day of the first seeding, and a few
meetings and tasks are scheduled in the coming days, so the dashboard and the
forecast have something to show.

``seed_demo()`` is idempotent: records are looked up by natural keys (user
email, company/event/title/deal English name, contact email, meeting event +
start + company, lead company + summary, task owner + subject, note body,
exchange rate base + currency + date) and only missing ones are created; a
second run creates nothing and changes nothing. It flushes but does not commit.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from .auth.models import User
from .auth.services import create_user, find_user
from .companies.models import Company, Contact
from .db_types import utcnow
from .deals.models import (
    CoproductionPartner,
    CoproductionTerms,
    Deal,
    DealMedium,
    DealTerritory,
    FormatTerms,
    LicenceTerms,
    PaymentInstalment,
    PipelineStage,
    RightsGrant,
    StageChange,
    rights_grant_media,
    rights_grant_territories,
)
from .deals.stages import ensure_default_stages, stage_by_key
from .enums import (
    CompanyKind,
    Contribution,
    CoproductionStatus,
    DealType,
    FeeKind,
    FormatFeeBasis,
    Genre,
    LeadSource,
    LeadStatus,
    Medium,
    MeetingStatus,
    RegulatoryStatus,
    Role,
    TitleStatus,
)
from .events.models import Event
from .extensions import db
from .leads.models import Lead
from .meetings.models import Meeting
from .rates.models import ExchangeRate
from .tasks.models import Note, Task
from .titles.models import Title

DEMO_PASSWORD = "mipchina2017"  # noqa: S105 - documented demo password, never used in production
HOME_TZ = "Asia/Shanghai"

# ---------------------------------------------------------------------------
# Users: key, email, name, role, UI language, time zone, reporting currency.
# They are the international business team of Hangzhou Thunder Animation.
# ---------------------------------------------------------------------------
USERS = [
    ("li", "rep@demo.example", "Li Na 李娜", Role.REP, "zh", "Asia/Shanghai", "CNY"),
    ("tom", "rep2@demo.example", "Tom Martin", Role.REP, "en", "Europe/Paris", "EUR"),
    ("wang", "manager@demo.example", "Wang Wei 王伟", Role.MANAGER, None, "Asia/Shanghai", "USD"),
    ("admin", "admin@demo.example", "Admin", Role.ADMIN, None, "Asia/Shanghai", "USD"),
]

# ---------------------------------------------------------------------------
# Companies, by a short key. Foreign companies without an established Chinese
# name keep their Latin name with the country in brackets, as the Chinese
# trade press does. Legal names and addresses are demo placeholders ("示例路"
# = "Demo Road"): check them against the contract before a real term sheet.
# ---------------------------------------------------------------------------
_C = CompanyKind
COMPANIES: dict[str, dict] = {
    "thunder": dict(
        # TODO before shipping: check the Chinese name 杭州雷霆动画 (domain notes say it is unverified).
        name_en="Hangzhou Thunder Animation", name_zh="杭州雷霆动画",
        legal_name_en="Hangzhou Thunder Animation Co., Ltd.", legal_name_zh="杭州雷霆动画有限公司",
        address_en="Building 5, 1 Demo Road, Binjiang District, Hangzhou 310051, Zhejiang, China",
        address_zh="中国浙江省杭州市滨江区示例路1号5幢，邮编310051",
        kind=_C.ANIMATION_STUDIO, country="CN", city="Hangzhou", website="https://thunder-animation.example",
        notes="Our company: the international business team works from Hangzhou.\n我们公司：国际业务团队在杭州办公。",
    ),
    "millimages": dict(
        name_en="Millimages", name_zh="Millimages（法国）",
        legal_name_en="Millimages", legal_name_zh="法国Millimages公司",
        address_en="1 rue de l'Exemple, 75011 Paris, France", address_zh="法国巴黎第十一区示例街1号，邮编75011",
        kind=_C.ANIMATION_STUDIO, country="FR", city="Paris", website="https://millimages.example",
        notes="Producer and distributor of children's animation.\n法国少儿动画制作与发行公司。",
    ),
    "zjstv": dict(
        name_en="Zhejiang Satellite TV", name_zh="浙江卫视",
        legal_name_en="Zhejiang Radio and Television Group", legal_name_zh="浙江广播电视集团",
        kind=_C.BROADCASTER, country="CN", city="Hangzhou", website="https://zjstv.example",
        notes="Co-developed Running Man (China) with SBS in 2014; licensed The Voice of China from Talpa in 2012.\n"
        "2014年与SBS联合研发《奔跑吧兄弟》；2012年从Talpa引进《中国好声音》节目模式。",
    ),
    "youku": dict(
        name_en="Youku (Alibaba Group)", name_zh="优酷（阿里巴巴集团）",
        kind=_C.STREAMING, country="CN", city="Beijing", website="https://youku.example",
    ),
    "talpa": dict(
        name_en="Talpa", name_zh="Talpa（荷兰）", kind=_C.FORMAT_OWNER, country="NL", city="Hilversum",
        website="https://talpa.example",
        notes="Format owner (The Voice).\n节目模式版权方（《好声音》）。",
    ),
    "sbs": dict(
        name_en="SBS", name_zh="韩国SBS电视台", legal_name_en="Seoul Broadcasting System",
        kind=_C.BROADCASTER, country="KR", city="Seoul", website="https://sbs.example",
    ),
    "megamedia": dict(
        name_en="Zhejiang MegaMedia (Huamai)", name_zh="浙江华麦",
        legal_name_en="Zhejiang Huamai Network Technology Co., Ltd", legal_name_zh="浙江华麦网络技术有限公司",
        kind=_C.OTHER, country="CN", city="Hangzhou", website="https://megamedia.example",
        notes='Organiser of MIP China with Reed Midem; motto "A Way to China".\n与Reed Midem共同主办MIP China。',
    ),
    "reedmidem": dict(
        name_en="Reed Midem", name_zh="Reed Midem（法国）", kind=_C.OTHER, country="FR", city="Paris",
        website="https://reedmidem.example",
        notes="Organiser of MIPCOM and MIPTV; co-organiser of MIP China.\nMIPCOM和MIPTV主办方，MIP China联合主办方。",
    ),
    "cmmi": dict(
        name_en="China Media Management Inc. (CMM-I)", name_zh="CMM-I（China Media Management Inc.）",
        kind=_C.AGENCY, website="https://cmm-i.example",
        notes="Partner of MIP China 2017.\nMIP China 2017合作伙伴。",
    ),
    "iqiyi": dict(name_en="iQIYI", name_zh="爱奇艺", kind=_C.STREAMING, country="CN", city="Beijing",
                  website="https://iqiyi.example"),
    "tencent": dict(name_en="Tencent Video", name_zh="腾讯视频", kind=_C.STREAMING, country="CN", city="Shenzhen",
                    website="https://tencent-video.example"),
    "mango": dict(name_en="Mango TV", name_zh="芒果TV", kind=_C.STREAMING, country="CN", city="Changsha",
                  website="https://mangotv.example"),
    "cctv": dict(
        name_en="CCTV", name_zh="中央电视台", legal_name_en="China Central Television", legal_name_zh="中央电视台",
        kind=_C.BROADCASTER, country="CN", city="Beijing", website="https://cctv.example",
        notes="CCTV-14 is the children's channel.\nCCTV-14为少儿频道。",
    ),
    "herisson": dict(
        name_en="Les Films du Hérisson", name_zh="刺猬影业（法国）",
        legal_name_en="Les Films du Hérisson SAS", legal_name_zh="法国刺猬影业简化股份有限公司",
        address_en="2 rue de l'Exemple, 16000 Angoulême, France", address_zh="法国昂古莱姆示例街2号，邮编16000",
        kind=_C.ANIMATION_STUDIO, country="FR", city="Angoulême", website="https://herisson.example",
        notes="Fictional demo company: preschool animation studio.\n虚构的演示公司：学龄前动画工作室。",
    ),
    "puffin": dict(
        name_en="Puffin Lane Animation", name_zh="海鹦巷动画（英国）",
        legal_name_en="Puffin Lane Animation Ltd", address_en="3 Example Street, Bristol BS1 0AA, United Kingdom",
        kind=_C.ANIMATION_STUDIO, country="GB", city="Bristol", website="https://puffinlane.example",
        notes="Fictional demo company.\n虚构的演示公司。",
    ),
    "nordlicht": dict(
        name_en="Nordlicht Media Distribution", name_zh="北极光传媒发行（德国）", legal_name_en="Nordlicht Media GmbH",
        kind=_C.DISTRIBUTOR, country="DE", city="Munich", website="https://nordlicht.example",
        notes="Fictional demo company: buys animation for German-speaking Europe.\n"
        "虚构的演示公司：为德语区采购动画片。",
    ),
    "greatbear": dict(
        name_en="Great Bear Docs", name_zh="大熊纪录片公司（加拿大）", kind=_C.PRODUCER, country="CA", city="Vancouver",
        website="https://greatbear.example",
        notes="Fictional demo company: natural-history documentaries.\n虚构的演示公司：自然纪录片。",
    ),
    "lioncity": dict(
        name_en="Lion City Content Agency", name_zh="狮城内容代理（新加坡）", kind=_C.AGENCY, country="SG",
        city="Singapore", website="https://lioncity.example",
        notes="Fictional demo company: represents Southeast Asian pay-TV channels.\n"
        "虚构的演示公司：代理东南亚付费电视频道。",
    ),
    "qiantang": dict(
        name_en="Qiantang Pictures", name_zh="钱塘影业", legal_name_zh="杭州钱塘影业有限公司",
        kind=_C.PRODUCER, country="CN", city="Hangzhou", website="https://qiantang.example",
        notes="Fictional demo company: documentaries and drama; we sell its catalogue abroad.\n"
        "虚构的演示公司：纪录片和电视剧制作，我们代理其海外发行。",
    ),
    "sakura": dict(
        name_en="Sakura Bridge Animation", name_zh="樱桥动画（日本）", kind=_C.ANIMATION_STUDIO, country="JP",
        city="Tokyo", website="https://sakurabridge.example", notes="Fictional demo company.\n虚构的演示公司。",
    ),
    "vharbour": dict(
        name_en="Victoria Harbour Media", name_zh="维港传媒", kind=_C.DISTRIBUTOR, country="HK", city="Hong Kong",
        website="https://vharbour.example", notes="Fictional demo company.\n虚构的演示公司。",
    ),
}

# ---------------------------------------------------------------------------
# Events: MIP China 2017 and MIPCOM 2017, with the companies attending.
# ---------------------------------------------------------------------------
EVENTS: dict[str, dict] = {
    "mipchina": dict(
        name_en="MIP China International Content Summit 2017", name_zh="MIP China 2017 国际内容峰会",
        city="Hangzhou", country="CN", timezone="Asia/Shanghai", start_date="2017-05-23", end_date="2017-05-25",
        organiser="megamedia", website="https://mipchina.example",
        notes=(
            'Organised by Zhejiang MegaMedia ("A Way to China") with Reed Midem, in partnership with CMM-I. '
            "About 450 participants from 80 companies (35 international companies from 18 countries, "
            "45 Chinese companies). Partnership Forum: pre-scheduled one-to-one meetings between 40 Chinese "
            "executives and 40 international visitors, 30-minute slots at numbered tables; over 400 meetings "
            "and about 300 potential deals discussed. Training conference on international distribution, "
            "online video and VR; visits to Zhejiang Satellite TV and Alibaba Group; networking boat tour "
            "on West Lake.\n"
            "由浙江华麦（“A Way to China”）与Reed Midem共同主办，CMM-I为合作伙伴。约450名参会者，来自80家公司"
            "（18个国家的35家国际公司和45家中国公司）。合作伙伴论坛：40位中国企业高管与40位国际嘉宾预约一对一洽谈，"
            "每场30分钟，按桌号安排，共洽谈400余场，涉及约300个潜在项目。另有国际发行、网络视频与虚拟现实培训会，"
            "参观浙江卫视和阿里巴巴集团，以及西湖游船交流活动。"
        ),
        companies=[
            "thunder", "millimages", "zjstv", "youku", "talpa", "sbs", "megamedia", "reedmidem", "cmmi", "iqiyi",
            "tencent", "mango", "cctv", "herisson", "puffin", "nordlicht", "lioncity", "qiantang", "sakura",
            "vharbour",
        ],
    ),
    "mipcom": dict(
        name_en="MIPCOM 2017", name_zh="2017年戛纳秋季电视节（MIPCOM）", city="Cannes", venue="Palais des Festivals",
        country="FR", timezone="Europe/Paris", start_date="2017-10-16", end_date="2017-10-19",
        organiser="reedmidem", website="https://mipcom.example",
        notes="Follow-up market for the MIP China leads; Rainbow Chicks launched on Millimages' stand.\n"
        "跟进MIP China线索的展会；《彩虹小鸡》在Millimages展台正式推出。",
        companies=["thunder", "millimages", "reedmidem", "talpa", "sbs", "herisson", "puffin", "nordlicht",
                   "greatbear", "iqiyi"],
    ),
}

# ---------------------------------------------------------------------------
# Contacts: key, company, English name, Chinese name, job title (en, zh),
# email, phone, WeChat ID, languages. Chinese contacts have a pinyin English
# name; foreigners a Chinese transliteration when they use one.
# ---------------------------------------------------------------------------
CONTACTS = [
    ("chen_hao", "thunder", "Chen Hao", "陈浩", "Chief Executive Officer", "总经理",
     "chen.hao@thunder-animation.example", "+86 571 0000 0001", "chenhao_thunder", "zh en"),
    ("camille", "millimages", "Camille Dupont", "卡米耶·杜邦", "Head of International Sales", "国际销售总监",
     "camille.dupont@millimages.example", "+33 1 00 00 00 01", None, "fr en"),
    ("julien", "millimages", "Julien Moreau", None, "Head of Business Affairs", "商务法务负责人",
     "julien.moreau@millimages.example", None, None, "fr en"),
    ("zhou_jie", "zjstv", "Zhou Jie", "周洁", "Director, Programme Acquisitions", "节目购买部主任",
     "zhou.jie@zjstv.example", None, "zhoujie_zjtv", "zh en"),
    ("sun_lei", "zjstv", "Sun Lei", "孙磊", "Format Development Producer", "模式研发制片人",
     "sun.lei@zjstv.example", None, "sunlei_format", "zh"),
    ("liu_yang", "youku", "Liu Yang", "刘洋", "Director, Kids Content", "少儿内容总监",
     "liu.yang@youku.example", None, "liuyang_kids", "zh en"),
    ("huang_xin", "youku", "Huang Xin", "黄欣", "Senior Manager, Content Acquisitions", "版权采购高级经理",
     "huang.xin@youku.example", None, "huangxin_yk", "zh en"),
    ("zhao_min", "iqiyi", "Zhao Min", "赵敏", "Head of International Acquisitions", "国际版权采购负责人",
     "zhao.min@iqiyi.example", None, "zhaomin_iq", "zh en"),
    ("xu_tao", "tencent", "Xu Tao", "徐涛", "Content Partnerships Manager", "内容合作经理",
     "xu.tao@tencent-video.example", None, "xutao_v", "zh"),
    ("tang_li", "mango", "Tang Li", "唐丽", "Director, Format Acquisitions", "模式引进总监",
     "tang.li@mangotv.example", None, "tangli_mg", "zh en"),
    ("wu_jian", "cctv", "Wu Jian", "吴健", "Acquisitions Manager, CCTV-14 Kids", "少儿频道节目采购主管",
     "wu.jian@cctv.example", None, "wujian_kids", "zh"),
    ("ma_jun", "megamedia", "Ma Jun", "马骏", "Partnership Forum Manager", "一对一洽谈会项目经理",
     "ma.jun@megamedia.example", None, "majun_mip", "zh en"),
    ("yang_fan", "qiantang", "Yang Fan", "杨帆", "Producer", "制片人",
     "yang.fan@qiantang.example", None, "yangfan_doc", "zh en"),
    ("grace", "cmmi", "Grace Lin", "林雅", "Consultant, Regulatory Affairs", "监管事务顾问",
     "grace.lin@cmm-i.example", None, "gracelin_cmmi", "zh en"),
    ("kelly", "vharbour", "Kelly Leung", "梁嘉欣", "Sales Director", "销售总监",
     "kelly.leung@vharbour.example", "+852 0000 0001", "kellyleung_hk", "yue zh en"),
    ("rachel", "lioncity", "Rachel Tan", "陈慧玲", "Managing Director", "董事总经理",
     "rachel.tan@lioncity.example", "+65 0000 0001", "racheltan_sg", "en zh ms"),
    ("sanne", "talpa", "Sanne de Vries", "桑妮·德弗里斯", "Format Sales Director, Asia", "亚洲区模式销售总监",
     "sanne.devries@talpa.example", None, None, "nl en"),
    ("kim", "sbs", "Kim Min-jun", "金敏俊", "Global Format Manager", "海外模式业务经理",
     "minjun.kim@sbs.example", None, None, "ko en"),
    ("park", "sbs", "Park Ji-yeon", "朴智妍", "Producer, Kids & Family", "少儿家庭节目制片人",
     "jiyeon.park@sbs.example", None, None, "ko en zh"),
    ("sophie", "reedmidem", "Sophie Laurent", "索菲·洛朗", "Business Development, Asia", "亚洲业务拓展经理",
     "sophie.laurent@reedmidem.example", None, None, "fr en"),
    ("mathilde", "herisson", "Mathilde Girard", "玛蒂尔德·吉拉尔", "Producer & CEO", "制片人兼总经理",
     "mathilde.girard@herisson.example", "+33 5 00 00 00 01", "mathilde_herisson", "fr en"),
    ("antoine", "herisson", "Antoine Lefèvre", None, "Head of Development", "开发总监",
     "antoine.lefevre@herisson.example", None, None, "fr en"),
    ("oliver", "puffin", "Oliver Hughes", "奥利弗·休斯", "Head of Sales", "销售总监",
     "oliver.hughes@puffinlane.example", None, None, "en"),
    ("emma", "puffin", "Emma Clarke", None, "Creative Director", "创意总监",
     "emma.clarke@puffinlane.example", None, None, "en fr"),
    ("katrin", "nordlicht", "Katrin Weber", "卡特琳·韦伯", "Head of Acquisitions", "采购总监",
     "katrin.weber@nordlicht.example", None, None, "de en"),
    ("daniel", "greatbear", "Daniel Tremblay", None, "Executive Producer", "执行制片人",
     "daniel.tremblay@greatbear.example", None, None, "en fr"),
    ("sato", "sakura", "Sato Yuki", "佐藤由纪", "Licensing Manager", "授权经理",
     "yuki.sato@sakurabridge.example", None, None, "ja en"),
]

# ---------------------------------------------------------------------------
# Titles (synopses are demo text): key -> fields; rights_holder is a company key.
# ---------------------------------------------------------------------------
_G, _S = Genre, TitleStatus
TITLES: dict[str, dict] = {
    "chicks": dict(
        # TODO before shipping: check the Chinese title 彩虹小鸡 against the rights holder's materials.
        name_en="Rainbow Chicks", name_zh="彩虹小鸡", genre=_G.ANIMATION, episodes=52, episode_minutes=11,
        status=_S.COMPLETED, year=2017, rights_holder="thunder",
        synopsis_en="Seven chicks, each a colour of the rainbow, learn to work together on a busy farm. "
        "(Demo synopsis.)",
        synopsis_zh="七只小鸡各有一种彩虹的颜色，在热闹的农场里学会团结合作。（演示简介）",
    ),
    "postman": dict(
        name_en="Panda Postman", name_zh="熊猫邮递员", genre=_G.ANIMATION, episodes=52, episode_minutes=11,
        status=_S.IN_DEVELOPMENT, year=2019, rights_holder="thunder",
        synopsis_en="A young panda carries letters between a village in Zhejiang and a village in Provence.",
        synopsis_zh="一只小熊猫在浙江的山村和普罗旺斯的小镇之间传递书信。",
    ),
    "legends": dict(
        name_en="West Lake Legends", name_zh="西湖传说", genre=_G.ANIMATION, episodes=26, episode_minutes=22,
        status=_S.COMPLETED, year=2016, rights_holder="thunder",
        synopsis_en="Hangzhou's classic tales, from the White Snake to Su Dongpo's causeway, retold for children "
        "aged 6 to 10.",
        synopsis_zh="为6至10岁的孩子重新讲述白蛇传、苏堤等杭州经典传说。",
    ),
    "ollie": dict(
        name_en="Ollie's Orchard", name_zh="奥利的果园", genre=_G.ANIMATION, episodes=52, episode_minutes=7,
        status=_S.COMPLETED, year=2016, rights_holder="puffin",
        synopsis_en="Ollie the otter and his friends look after a seaside orchard through the seasons.",
        synopsis_zh="小水獭奥利和朋友们一起照料海边的果园，度过一年四季。",
    ),
    "arctic": dict(
        name_en="Arctic Giants", name_zh="北极巨兽", genre=_G.DOCUMENTARY, episodes=3, episode_minutes=52,
        status=_S.COMPLETED, year=2017, rights_holder="greatbear",
        synopsis_en="Polar bears, walruses and bowhead whales through one Arctic year.",
        synopsis_zh="跟随北极熊、海象和弓头鲸，记录北极的一年。",
    ),
    "kitchens": dict(
        name_en="Silk Road Kitchens", name_zh="丝路厨房", genre=_G.DOCUMENTARY, episodes=6, episode_minutes=45,
        status=_S.COMPLETED, year=2017, rights_holder="qiantang",
        synopsis_en="Home cooks from Xi'an to Istanbul share the dishes the Silk Road carried.",
        synopsis_zh="从西安到伊斯坦布尔，沿途的家庭厨师讲述丝绸之路带来的美食。",
    ),
    "talents": dict(
        name_en="Tiny Talents", name_zh="小小达人秀", genre=_G.VARIETY, episodes=12, episode_minutes=90,
        status=_S.COMPLETED, year=2016, rights_holder="talpa",
        synopsis_en="Kids' talent show format (demo): children aged 6 to 12 perform with their families before a "
        "panel of young judges.",
        synopsis_zh="少儿才艺节目模式（演示）：6至12岁的孩子与家人同台表演，由小评委点评。",
    ),
    "silk": dict(
        name_en="The Silk Merchant's Daughter", name_zh="丝商之女", genre=_G.DRAMA, episodes=36, episode_minutes=45,
        status=_S.IN_PRODUCTION, year=2018, rights_holder="qiantang",
        synopsis_en="In 1920s Hangzhou, a silk merchant's daughter saves the family business.",
        synopsis_zh="二十世纪二十年代的杭州，丝绸商人的女儿挽救了家族生意。",
    ),
    "dragon": dict(
        name_en="Dragon and Puffin", name_zh="龙与海鹦", genre=_G.ANIMATION, episodes=26, episode_minutes=11,
        status=_S.IN_DEVELOPMENT, year=2020, rights_holder="thunder",
        synopsis_en="A little dragon from West Lake and a puffin from Cornwall swap homes for a summer.",
        synopsis_zh="西湖的小龙和康沃尔的海鹦交换家园，共度一个夏天。",
    ),
}

# ---------------------------------------------------------------------------
# Partnership Forum one-to-ones at MIP China (24–25 May 2017, 30-minute slots
# from 09:30 Hangzhou time) and meetings at MIPCOM (Cannes time).
# key, event, local start, table, owner, company, contacts, status, interest,
# notes, next step, follow-up date. Li Na writes in Chinese, Tom in English.
# ---------------------------------------------------------------------------
_H, _N, _X = MeetingStatus.HELD, MeetingStatus.NO_SHOW, MeetingStatus.CANCELLED
MEETINGS = [
    # 24 May
    ("m01", "mipchina", "2017-05-24 09:30", "Table 1", "li", "millimages", ["camille"], _H, 5,
     "Millimages对《彩虹小鸡》全球发行很感兴趣，看了前三集样片，认为很适合其学龄前片库。明天继续谈保底金和佣金比例。",
     "今晚发送全部样片链接和发行计划", "2017-05-25"),
    ("m02", "mipchina", "2017-05-24 10:00", "Table 3", "li", "youku", ["liu_yang"], _H, 4,
     "优酷少儿在找国产学龄前动画，对《彩虹小鸡》的会员点播和广告点播权感兴趣，希望独家。",
     "提供剧集清单和报价", "2017-06-05"),
    ("m03", "mipchina", "2017-05-24 10:30", "Table 5", "li", "cctv", ["wu_jian"], _H, 4,
     "央视少儿频道关注《熊猫邮递员》，可以考虑预购，前提是中法合拍项目完成立项。",
     "项目立项后发送预售方案", "2017-07-01"),
    ("m04", "mipchina", "2017-05-24 11:00", "Table 2", "li", "iqiyi", ["zhao_min"], _H, 3,
     "爱奇艺对《西湖传说》有兴趣，但今年的动画采购预算基本用完。", "明年一季度再联系", "2018-01-15"),
    ("m05", "mipchina", "2017-05-24 11:30", "Table 7", "li", "mango", ["tang_li"], _N, None,
     "对方未到场，会务组说航班延误。", "改约明天上午", "2017-05-25"),
    ("m06", "mipchina", "2017-05-24 14:00", "Table 4", "li", "puffin", ["oliver"], _H, 4,
     "Puffin Lane希望《奥利的果园》进入中国大陆市场，需要普通话配音。已介绍引进审批流程和大致时间。",
     "索取权利链文件和字幕稿", "2017-06-01"),
    ("m07", "mipchina", "2017-05-24 14:30", "Table 9", "li", "zjstv", ["zhou_jie", "sun_lei"], _H, 5,
     "浙江卫视想为暑期档引进一档少儿才艺节目模式。卫视每年最多引进两档模式，需提前两个月备案。",
     "与Talpa确认《小小达人秀》的中国区授权条件", "2017-06-10"),
    ("m08", "mipchina", "2017-05-24 09:30", "Table 6", "tom", "herisson", ["mathilde", "antoine"], _H, 5,
     "Les Films du Hérisson want a Chinese partner for a 52 × 11' preschool series. Panda Postman fits; they can "
     "bring CNC support and a French pre-sale.", "Send the Panda Postman bible and a budget outline", "2017-06-02"),
    ("m09", "mipchina", "2017-05-24 10:00", "Table 8", "tom", "sbs", ["kim"], _H, 3,
     "SBS kids' slot interested in West Lake Legends for Korea; price expectations are low.",
     "Send an offer for Korea", "2017-06-05"),
    ("m10", "mipchina", "2017-05-24 10:30", "Table 10", "tom", "nordlicht", ["katrin"], _H, 3,
     "Nordlicht buys Asian animation for German-speaking TV; wants help with the German dub.",
     "Screeners of West Lake Legends episodes 1-3", "2017-06-01"),
    ("m11", "mipchina", "2017-05-24 11:00", "Table 11", "tom", "lioncity", ["rachel"], _H, 4,
     "Lion City represents Southeast Asian pay-TV channels and wants factual food content: Silk Road Kitchens.",
     "Ask Qiantang Pictures for the sales mandate", "2017-06-15"),
    ("m12", "mipchina", "2017-05-24 11:30", "Table 12", "tom", "greatbear", ["daniel"], _X, None,
     "Daniel could not travel; we agreed to meet at MIPCOM.", "Book a MIPCOM meeting", "2017-09-15"),
    ("m13", "mipchina", "2017-05-24 14:00", "Table 6", "tom", "talpa", ["sanne"], _H, 4,
     "Talpa is looking for a partner to represent its kids' formats in China; open to us as agent with "
     "consultancy support.", "Draft agency terms", "2017-06-09"),
    ("m14", "mipchina", "2017-05-24 14:30", "Table 10", "tom", "vharbour", ["kelly"], _H, 3,
     "Victoria Harbour Media buys kids' animation for Hong Kong free TV; needs a Cantonese dub.",
     "Offer for West Lake Legends, Hong Kong and Macau", "2017-06-20"),
    # 25 May
    ("m15", "mipchina", "2017-05-25 09:30", "Table 1", "li", "millimages", ["camille", "julien"], _H, 5,
     "双方就《彩虹小鸡》全球发行的主要条款达成一致：全球独家发行，保底金35万欧元，发行佣金25%，授权期7年。",
     "起草条款书，发法务审核", "2017-05-31"),
    ("m16", "mipchina", "2017-05-25 10:00", "Table 3", "li", "tencent", ["xu_tao"], _H, 3,
     "腾讯视频对《彩虹小鸡》的非独家广告点播权有兴趣，要等优酷的独家谈判有结果。",
     "优酷谈判结束后再报价", "2017-07-15"),
    ("m17", "mipchina", "2017-05-25 10:30", "Table 5", "li", "qiantang", ["yang_fan"], _H, 4,
     "钱塘影业愿意委托我们代理《丝路厨房》的海外发行，佣金25%。", "发送代理协议草稿", "2017-06-05"),
    ("m18", "mipchina", "2017-05-25 11:00", "Table 2", "li", "sakura", ["sato"], _N, None,
     "对方未到场，也没有提前通知。", "发邮件询问是否改约", "2017-05-26"),
    ("m19", "mipchina", "2017-05-25 11:30", "Table 4", "li", "mango", ["tang_li"], _H, 2,
     "芒果TV目前只引进真人综艺模式，暂时不需要动画和少儿节目。", None, None),
    ("m20", "mipchina", "2017-05-25 14:00", "Table 7", "li", "cmmi", ["grace"], _H, 3,
     "CMM-I介绍了境外节目引进审批和网络平台登记的最新要求，可以作为顾问协助《奥利的果园》的申报。",
     "索取顾问服务报价", "2017-06-10"),
    ("m21", "mipchina", "2017-05-25 09:30", "Table 6", "tom", "puffin", ["emma"], _H, 4,
     "Emma pitched a friendship series about a dragon and a puffin and wants an Asian co-producer. "
     "Early stage, no financing yet.", "Exchange pitch decks; meet again at MIPCOM", "2017-10-17"),
    ("m22", "mipchina", "2017-05-25 10:00", "Table 8", "tom", "reedmidem", ["sophie"], _H, 2,
     "Reed Midem offered a stand in the China pavilion at MIPCOM and a slot in the kids' screenings.",
     "Decide on the MIPCOM stand by the end of June", "2017-06-30"),
    ("m23", "mipchina", "2017-05-25 10:30", "Table 9", "tom", "megamedia", ["ma_jun"], _H, 2,
     "Feedback on the Partnership Forum; MegaMedia plans a bigger edition next year.", None, None),
    ("m24", "mipchina", "2017-05-25 11:00", "Table 11", "tom", "sbs", ["park"], _X, None,
     "Cancelled by SBS: Ji-yeon had to fly back to Seoul.", None, None),
    # MIPCOM, Cannes (Europe/Paris)
    ("c01", "mipcom", "2017-10-16 11:00", "Nordlicht stand", "tom", "nordlicht", ["katrin"], _H, 4,
     "Offer presented: MG EUR 80k for German-speaking Europe, 5 years. Katrin asks us to share the German dub cost.",
     "Revised offer with a dub contribution", "2017-10-31"),
    ("c02", "mipcom", "2017-10-17 10:00", "Great Bear Docs stand", "tom", "greatbear", ["daniel"], _H, 4,
     "Arctic Giants (3 × 52') is available for China; Daniel prefers one platform deal for mainland China.",
     "Check the platforms' interest in natural-history documentaries", "2017-11-10"),
    ("c03", "mipcom", "2017-10-17 15:00", "Puffin Lane stand", "tom", "puffin", ["oliver", "emma"], _H, 5,
     "Agreed to develop Dragon and Puffin together, 50/50: UK tax relief plus our studio services.",
     "Development budget and schedule", "2017-11-30"),
    ("c04", "mipcom", "2017-10-18 09:30", "Millimages stand", "li", "millimages", ["camille"], _H, 5,
     "Millimages在MIPCOM正式推出《彩虹小鸡》，已有多家欧洲买家索取样片。", "每月同步一次销售进展", "2017-11-15"),
]
# Extra users sitting in on a meeting (the owner always attends).
MEETING_GUESTS = {"m07": ["wang"], "m15": ["wang"]}

# Meetings in the coming days, relative to the day of seeding (no event):
# key, owner, company, contacts, days from today, local time, time zone,
# minutes, location, notes.
UPCOMING_MEETINGS = [
    ("u01", "li", "millimages", ["camille"], 3, "16:00", "Asia/Shanghai", 45, "Video call",
     "讨论《彩虹小鸡》第二季的国际发行计划。"),
    ("u02", "li", "youku", ["liu_yang", "huang_xin"], 8, "14:00", "Asia/Shanghai", 60, "Youku office, Beijing",
     "条款书签署前的最后一轮谈判。"),
    ("u03", "tom", "herisson", ["mathilde"], 6, "10:00", "Europe/Paris", 60, "Video call",
     "Walk through the revised co-production budget and the Order 41 application plan."),
    ("u04", "tom", "nordlicht", ["katrin"], 13, "15:00", "Europe/Paris", 30, "Phone",
     "Settle the German dub contribution."),
]

# ---------------------------------------------------------------------------
# Leads from the meetings: key, owner, company, contact, meeting, deal type,
# genre, status, summary, titles, disqualification reason.
# ---------------------------------------------------------------------------
_D, _L = DealType, LeadStatus
LEADS = [
    ("chicks_ww", "li", "millimages", "camille", "m01", _D.DISTRIBUTION, _G.ANIMATION, _L.CONVERTED,
     "《彩虹小鸡》全球发行", ["chicks"], None),
    ("chicks_youku", "li", "youku", "liu_yang", "m02", _D.DISTRIBUTION, _G.ANIMATION, _L.CONVERTED,
     "优酷：《彩虹小鸡》网络独家", ["chicks"], None),
    ("postman_cctv", "li", "cctv", "wu_jian", "m03", _D.PRESALE, _G.ANIMATION, _L.CONVERTED,
     "央视少儿：《熊猫邮递员》预购", ["postman"], None),
    ("legends_iqiyi", "li", "iqiyi", "zhao_min", "m04", _D.DISTRIBUTION, _G.ANIMATION, _L.QUALIFIED,
     "爱奇艺：《西湖传说》会员点播", ["legends"], None),
    ("ollie", "li", "puffin", "oliver", "m06", _D.ACQUISITION, _G.ANIMATION, _L.CONVERTED,
     "《奥利的果园》中国大陆引进", ["ollie"], None),
    ("talents", "li", "zjstv", "zhou_jie", "m07", _D.FORMAT, _G.VARIETY, _L.CONVERTED,
     "浙江卫视：暑期少儿才艺节目模式", ["talents"], None),
    ("postman_copro", "tom", "herisson", "mathilde", "m08", _D.COPRODUCTION, _G.ANIMATION, _L.CONVERTED,
     "Panda Postman co-production with Les Films du Hérisson", ["postman"], None),
    ("legends_dach", "tom", "nordlicht", "katrin", "m10", _D.DISTRIBUTION, _G.ANIMATION, _L.CONVERTED,
     "West Lake Legends for German-speaking Europe", ["legends"], None),
    ("talpa_agency", "tom", "talpa", "sanne", "m13", _D.FORMAT, _G.VARIETY, _L.QUALIFIED,
     "Represent Talpa's kids' formats in China", ["talents"], None),
    ("chicks_tencent", "li", "tencent", "xu_tao", "m16", _D.DISTRIBUTION, _G.ANIMATION, _L.NEW,
     "腾讯视频：《彩虹小鸡》非独家广告点播", ["chicks"], None),
    ("mango", "li", "mango", "tang_li", "m19", _D.FORMAT, _G.VARIETY, _L.DISQUALIFIED,
     "芒果TV：少儿节目模式", [], "芒果TV目前只引进真人综艺模式，暂不需要少儿内容。"),
]

# ---------------------------------------------------------------------------
# Deals. Times in ``history`` are "YYYY-MM-DD HH:MM [zone]" (Hangzhou time
# unless a zone is given) or an int: days relative to the seeding. Dates are
# ISO strings or ints (days from today). The last history entry is the
# current stage; each move is made by the owner unless a third item names
# another user.
# ---------------------------------------------------------------------------
_M, _R = Medium, RegulatoryStatus
_ALL_SCREENS = [_M.FREE_TV, _M.PAY_TV, _M.SVOD, _M.AVOD, _M.TVOD, _M.HOME_VIDEO, _M.ANCILLARY]
DEALS = [
    dict(
        key="chicks_ww", name_en="Rainbow Chicks — worldwide distribution", name_zh="《彩虹小鸡》全球发行",
        deal_type=_D.DISTRIBUTION, owner="li", company="millimages", contacts=["camille", "julien"],
        titles=["chicks"], amount="350000", currency="EUR", event="mipchina", meeting="m01", lead="chicks_ww",
        regulatory=_R.NOT_NEEDED, territories=["WW"], media=_ALL_SCREENS,
        expected_close="2017-06-30", signed_on="2017-06-28",
        history=[("lead", "2017-05-24 09:30"), ("qualified", "2017-05-24 18:00"), ("negotiation", "2017-05-25 10:00"),
                 ("term_sheet", "2017-05-25 17:30"), ("signed", "2017-06-28 11:00", "wang"),
                 ("won", "2017-09-15 16:00")],
        won_reason="Millimages' preschool catalogue and European buyers; MG plus 25% commission accepted. "
        "Deal announced at MIP China 2017.",
        notes="Millimages distributes Rainbow Chicks worldwide on all media. 保底金35万欧元，发行佣金25%。",
        licence=dict(exclusive=True, licence_start="2017-07-01", licence_end="2024-06-30", languages="en fr es de",
                     fee_kind=FeeKind.MINIMUM_GUARANTEE, minimum_guarantee="350000", agent_commission="25"),
        payments=[("30", "on signature", "签约时"), ("40", "on delivery of the masters", "母带交付时"),
                  ("30", "on acceptance of all delivery materials", "全部交付物料验收合格后")],
        grant=dict(title="chicks", exclusive=True, starts_on="2017-07-01", ends_on="2024-06-30",
                   languages="en fr es de"),
    ),
    dict(
        key="postman_copro", name_en="Panda Postman — co-production with Les Films du Hérisson",
        name_zh="《熊猫邮递员》中法联合制作", deal_type=_D.COPRODUCTION, owner="tom", company="herisson",
        contacts=["mathilde", "antoine"], titles=["postman"], amount="1200000", currency="EUR", event="mipchina",
        meeting="m08", lead="postman_copro", regulatory=_R.TO_FILE, territories=["WW"],
        media=[_M.FREE_TV, _M.PAY_TV, _M.SVOD, _M.AVOD], expected_close=45,
        history=[("lead", "2017-05-24 09:30"), ("qualified", -200), ("development", -150), ("offer", -90),
                 ("negotiation", -45), ("term_sheet", -9)],
        notes="Amount = Hérisson's 40% share of the EUR 3 m budget. The Chinese side needs project approval (立项) "
        "and SARFT Order 41 approval so the series counts as domestic animation.",
        coproduction=dict(
            working_title="Panda Postman (working title)", budget="3000000", budget_currency="EUR", episodes=52,
            episode_minutes=11, language="zh fr en", underlying_ip="Original concept by Hangzhou Thunder Animation",
            official_status=CoproductionStatus.PENDING,
            creative_control="Scripts, character design and voice casting need both partners' consent; Thunder "
            "decides for the Chinese version, Hérisson for the French version. Deadlock: the two CEOs, then CIETAC "
            "mediation.",
            overruns="Each partner bears overruns in the work it is responsible for, unless both approve a budget "
            "change.",
            completion_bond=False, delivery_date=900,
            partners=[("thunder", "60", "60", Contribution.MIXED, "GREATER_CHINA"),
                      ("herisson", "40", "40", Contribution.MIXED, "FRANCOPHONE_EUROPE")],
        ),
    ),
    dict(
        key="legends_dach", name_en="West Lake Legends — German-speaking Europe", name_zh="《西湖传说》德语区发行",
        deal_type=_D.DISTRIBUTION, owner="tom", company="nordlicht", contacts=["katrin"], titles=["legends"],
        amount="80000", currency="EUR", event="mipchina", meeting="m10", lead="legends_dach",
        regulatory=_R.NOT_NEEDED, territories=["DE", "AT", "CH"], media=[_M.FREE_TV, _M.PAY_TV, _M.SVOD],
        expected_close=30,
        history=[("lead", "2017-05-24 10:30"), ("offer", "2017-10-16 11:30 Europe/Paris"), ("negotiation", -20)],
        licence=dict(exclusive=True, licence_start=120, licence_end=120 + 5 * 365, runs=3, languages="de",
                     fee_kind=FeeKind.MINIMUM_GUARANTEE, minimum_guarantee="80000", revenue_share="60",
                     holdback_months=6, holdbacks="No SVOD release before the first free-TV run.",
                     first_run_obligation="First free-TV run within 12 months of delivery"),
    ),
    dict(
        key="chicks_youku", name_en="Rainbow Chicks — Youku online rights, mainland China",
        name_zh="《彩虹小鸡》优酷信息网络传播权（中国大陆）", deal_type=_D.DISTRIBUTION, owner="li", company="youku",
        contacts=["liu_yang", "huang_xin"], titles=["chicks"], amount="1800000", currency="CNY",
        event="mipchina", meeting="m02", lead="chicks_youku", regulatory=_R.NOT_NEEDED,
        territories=["CN_MAINLAND"], media=[_M.SVOD, _M.AVOD], expected_close=20,
        history=[("lead", "2017-05-24 10:00"), ("qualified", -90), ("offer", -60), ("negotiation", -35),
                 ("term_sheet", -6)],
        notes="国产动画，已取得发行许可，无需引进审批。",
        licence=dict(exclusive=True, licence_start=60, licence_end=60 + 3 * 365, languages="zh",
                     fee_kind=FeeKind.FLAT_FEE),
        payments=[("50", "on signature", "签约时"), ("50", "on delivery", "交付时")],
    ),
    dict(
        key="ollie", name_en="Ollie's Orchard — acquisition for mainland China",
        name_zh="《奥利的果园》中国大陆版权引进",
        deal_type=_D.ACQUISITION, owner="li", company="puffin", contacts=["oliver"], titles=["ollie"],
        amount="120000", currency="USD", event="mipchina", meeting="m06", lead="ollie", regulatory=_R.FILED,
        territories=["CN_MAINLAND"], media=[_M.FREE_TV, _M.SVOD, _M.AVOD], expected_close=60,
        history=[("lead", "2017-05-24 14:00"), ("offer", -150), ("negotiation", -100), ("term_sheet", -70),
                 ("signed", -40)],
        notes="引进审批材料已提交省局；许可证下发后授权期开始。",
        licence=dict(exclusive=True, starts_on_permit=True, runs=4, languages="zh en", fee_kind=FeeKind.FLAT_FEE,
                     holdbacks="Five years from the date of the import permit; no other Mandarin version in "
                     "mainland China during the term."),
        payments=[("20", "on signature", "签约时"),
                  ("80", "on import approval and accepted delivery", "取得引进批复并验收交付后")],
    ),
    dict(
        key="talents", name_en="Tiny Talents — format licence, Zhejiang Satellite TV",
        name_zh="《小小达人秀》节目模式授权（浙江卫视）", deal_type=_D.FORMAT, owner="li", company="zjstv",
        contacts=["zhou_jie", "sun_lei"], titles=["talents"], amount="180000", currency="USD", event="mipchina",
        meeting="m07", lead="talents", regulatory=_R.TO_FILE, territories=["CN_MAINLAND"],
        media=[_M.SATELLITE, _M.AVOD], expected_close=40,
        history=[("lead", "2017-05-24 14:30"), ("qualified", -75), ("offer", -45), ("negotiation", -10)],
        notes="我们作为Talpa的中国代理。模式费按本地制作预算的4.5%计；卫视须提前两个月备案引进模式。",
        format_terms=dict(platform="Zhejiang Satellite TV 浙江卫视", episodes=12, seasons=1, exclusive=True,
                          fee_basis=FormatFeeBasis.PERCENT_OF_BUDGET, fee_percent="4.5", local_budget="4000000",
                          option_seasons=2, production_bible=True, consultancy_days=20, backend_share="10"),
    ),
    dict(
        key="postman_cctv", name_en="Panda Postman — CCTV Kids pre-sale", name_zh="《熊猫邮递员》央视少儿频道预售",
        deal_type=_D.PRESALE, owner="li", company="cctv", contacts=["wu_jian"], titles=["postman"],
        amount="2600000", currency="CNY", event="mipchina", meeting="m03", lead="postman_cctv",
        regulatory=_R.TO_FILE, territories=["CN_MAINLAND"], media=[_M.FREE_TV], expected_close=90,
        history=[("lead", "2017-05-24 10:30"), ("qualified", -50), ("offer", -18)],
        notes="预售款用于中法合拍融资，需先完成立项。",
        licence=dict(exclusive=True, licence_start=700, licence_end=700 + 5 * 365, runs=6, languages="zh",
                     fee_kind=FeeKind.FLAT_FEE,
                     first_run_obligation="First run on CCTV-14 within 12 months of delivery"),
    ),
    dict(
        key="legends_sbs", name_en="West Lake Legends — SBS Korea", name_zh="《西湖传说》韩国SBS发行",
        deal_type=_D.DISTRIBUTION, owner="tom", company="sbs", contacts=["kim"], titles=["legends"],
        amount="60000", currency="USD", event="mipchina", meeting="m09", regulatory=_R.NOT_NEEDED,
        territories=["KR"], media=[_M.FREE_TV, _M.PAY_TV], expected_close="2017-08-31",
        history=[("lead", "2017-05-24 10:00"), ("qualified", "2017-06-05 10:00 Europe/Paris"),
                 ("offer", "2017-06-20 15:00 Europe/Paris"), ("lost", "2017-08-10 09:00 Europe/Paris")],
        lost_reason="SBS filled its 2018 animation slots with Korean titles; the price gap was too wide "
        "(our offer USD 60k, their budget about USD 35k).",
        licence=dict(exclusive=True, runs=3, languages="ko", fee_kind=FeeKind.FLAT_FEE),
    ),
    dict(
        key="kitchens", name_en="Silk Road Kitchens — Southeast Asia", name_zh="《丝路厨房》东南亚发行",
        deal_type=_D.DISTRIBUTION, owner="tom", company="lioncity", contacts=["rachel"], titles=["kitchens"],
        amount="45000", currency="USD", event="mipchina", meeting="m11", regulatory=_R.NOT_NEEDED,
        territories=["SG", "MY", "TH", "ID", "PH", "VN"], media=[_M.PAY_TV, _M.SVOD], expected_close=120,
        history=[("lead", "2017-05-24 11:00"), ("qualified", -25)],
        notes="We sell Silk Road Kitchens for Qiantang Pictures (25% commission).",
        licence=dict(exclusive=False, licence_start=150, licence_end=150 + 3 * 365, languages="en zh ms th vi id",
                     fee_kind=FeeKind.MINIMUM_GUARANTEE, minimum_guarantee="45000", revenue_share="60"),
    ),
    dict(
        key="arctic", name_en="Arctic Giants — acquisition for mainland China", name_zh="《北极巨兽》中国大陆版权引进",
        deal_type=_D.ACQUISITION, owner="tom", company="greatbear", contacts=["daniel"], titles=["arctic"],
        amount="90000", currency="USD", event="mipcom", meeting="c02", regulatory=_R.TO_FILE,
        territories=["CN_MAINLAND"], media=[_M.SVOD], expected_close=75,
        history=[("lead", "2017-10-17 10:00 Europe/Paris"), ("qualified", -8)],
        licence=dict(exclusive=True, starts_on_permit=True, languages="zh en", fee_kind=FeeKind.FLAT_FEE),
    ),
    dict(
        key="dragon", name_en="Dragon and Puffin — UK co-production", name_zh="《龙与海鹦》中英联合制作",
        deal_type=_D.COPRODUCTION, owner="tom", company="puffin", contacts=["oliver", "emma"], titles=["dragon"],
        amount="800000", currency="USD", event="mipcom", meeting="c03", regulatory=_R.TO_FILE,
        territories=["WW"], media=[_M.FREE_TV, _M.SVOD], expected_close=180,
        history=[("lead", "2017-10-17 15:00 Europe/Paris"), ("qualified", -90), ("development", -30)],
        notes="No China–UK treaty covers TV animation; Order 41 approval to be considered.",
        coproduction=dict(
            working_title="Dragon and Puffin (working title)", budget="1600000", budget_currency="USD", episodes=26,
            episode_minutes=11, language="en zh", underlying_ip="Original idea by Puffin Lane Animation",
            official_status=CoproductionStatus.NONE, completion_bond=False,
            partners=[("thunder", "50", "50", Contribution.SERVICES, "GREATER_CHINA"),
                      ("puffin", "50", "50", Contribution.CASH, "GB IE")],
        ),
    ),
    dict(
        key="legends_hk", name_en="West Lake Legends — Hong Kong and Macau free TV",
        name_zh="《西湖传说》港澳免费电视发行",
        deal_type=_D.DISTRIBUTION, owner="tom", company="vharbour", contacts=["kelly"], titles=["legends"],
        amount="30000", currency="USD", event="mipchina", meeting="m14", regulatory=_R.NOT_NEEDED,
        territories=["HK", "MO"], media=[_M.FREE_TV], expected_close=35,
        history=[("lead", "2017-05-24 14:30"), ("offer", -12)],
        licence=dict(exclusive=True, licence_start=90, licence_end=90 + 3 * 365, runs=4, languages="zh en",
                     fee_kind=FeeKind.FLAT_FEE),
    ),
]

# Tasks: owner, subject, due (ISO date or days from today), done at (local time or None), subject record.
TASKS = [
    ("li", "发送《彩虹小鸡》样片链接给Millimages", "2017-05-24", "2017-05-24 21:00", ("meeting", "m01")),
    ("li", "把《彩虹小鸡》第二季制作进度表发给Millimages", 2, None, ("deal", "chicks_ww")),
    ("li", "跟进优酷条款书签署", 5, None, ("deal", "chicks_youku")),
    ("li", "补齐《奥利的果园》引进审批材料（权利链文件、字幕稿）", -1, None, ("deal", "ollie")),
    ("tom", "Send the revised co-production budget to Les Films du Hérisson", 3, None, ("deal", "postman_copro")),
    ("tom", "Chase Nordlicht for the signed offer letter", 7, None, ("deal", "legends_dach")),
    ("tom", "Ask Qiantang Pictures for the Silk Road Kitchens delivery materials", 14, None, ("deal", "kitchens")),
    ("wang", "Review the quarterly forecast with Li Na and Tom", 10, None, None),
]

# Notes: author, subject record, written at (local time), body.
NOTES = [
    ("wang", ("company", "megamedia"), "2017-05-25 18:00",
     "MIP China 2017: about 450 participants from 80 companies and over 400 one-to-one meetings at the "
     "Partnership Forum. Worth attending again next year."),
    ("li", ("company", "zjstv"), "2017-05-23 17:00",
     "5月23日随峰会代表团参观浙江卫视，见到了节目购买部和模式研发团队。"),
    ("tom", ("company", "youku"), "2017-05-23 17:30",
     "Summit visit to Alibaba Group's campus on 23 May; Youku's kids' team joined us. West Lake boat tour in the "
     "evening."),
    ("li", ("deal", "chicks_ww"), "2017-09-15 16:30", "Millimages确认全部交付物料验收合格，尾款（30%）已开票。"),
    ("tom", ("deal", "legends_sbs"), "2017-08-10 09:30 Europe/Paris",
     "Lost to Korean titles. Keep SBS on the list for season 2."),
]

# Exchange rates, base USD: units of each currency per US dollar (approximate,
# rounded demo figures, not market data).
RATE_SOURCE = "Approximate demo rates (not market data)"
MARKET_DAY = dt.date(2017, 5, 24)
RATES_2017_05_24 = {"CNY": "6.8852", "EUR": "0.8921", "GBP": "0.7716", "JPY": "111.72", "KRW": "1122.50",
                    "HKD": "7.7890"}
RATES_RECENT = {"CNY": "7.1200", "EUR": "0.8650", "GBP": "0.7580", "JPY": "152.00", "KRW": "1390.00",
                "HKD": "7.7800"}


# ---------------------------------------------------------------------------
# Loaders
# ---------------------------------------------------------------------------


def seed_demo() -> int:
    """Load the demo story; returns how many rows were created (0 when all is present)."""
    return _Seeder().run()


class _Seeder:
    def __init__(self) -> None:
        self.created = 0
        self.now = utcnow().replace(second=0, microsecond=0)
        self.today = self.now.astimezone(ZoneInfo(HOME_TZ)).date()
        self.users: dict[str, User] = {}
        self.companies: dict[str, Company] = {}
        self.events: dict[str, Event] = {}
        self.contacts: dict[str, Contact] = {}
        self.titles: dict[str, Title] = {}
        self.meetings: dict[str, Meeting] = {}
        self.leads: dict[str, Lead] = {}
        self.deals: dict[str, Deal] = {}
        self._stages: dict[tuple, PipelineStage] = {}

    def run(self) -> int:
        self.created += ensure_default_stages()
        for load in (self.load_users, self.load_companies, self.load_events, self.load_contacts, self.load_titles,
                     self.load_meetings, self.load_leads, self.load_deals, self.load_tasks, self.load_notes,
                     self.load_rates):
            load()
            db.session.flush()
        self.freeze_won_rates()
        return self.created

    def freeze_won_rates(self) -> None:
        """Won deals keep the rate of their signing date, as a move to "won" would set."""
        from .rates.services import MissingRateError, freeze_rate

        for deal in self.deals.values():
            if deal.stage.is_won and deal.fx_rate is None:
                try:
                    freeze_rate(deal, on=deal.signed_on)
                except MissingRateError:
                    continue
        db.session.flush()

    # -- helpers -------------------------------------------------------------

    def add(self, obj):
        db.session.add(obj)
        self.created += 1
        return obj

    @staticmethod
    def first(stmt):
        return db.session.scalars(stmt.limit(1)).first()

    def when(self, value: str | int) -> dt.datetime:
        """ "YYYY-MM-DD HH:MM [zone]" (Hangzhou by default) or days relative to now, as aware UTC."""
        if isinstance(value, int):
            return self.now + dt.timedelta(days=value)
        day, clock, *zone = value.split()
        local = dt.datetime.fromisoformat(f"{day}T{clock}").replace(tzinfo=ZoneInfo(zone[0] if zone else HOME_TZ))
        return local.astimezone(dt.UTC)

    def day(self, value: str | int | None) -> dt.date | None:
        if value is None:
            return None
        if isinstance(value, int):
            return self.today + dt.timedelta(days=value)
        return dt.date.fromisoformat(value)

    def stage(self, deal_type: DealType, key: str) -> PipelineStage:
        if (deal_type, key) not in self._stages:
            self._stages[deal_type, key] = stage_by_key(deal_type, key)
        return self._stages[deal_type, key]

    def subject(self, link) -> dict:
        """Foreign-key fields for a task's or note's subject record."""
        if link is None:
            return {}
        kind, key = link
        registry = {"deal": self.deals, "meeting": self.meetings, "company": self.companies, "lead": self.leads,
                    "contact": self.contacts}[kind]
        return {f"{kind}_id": registry[key].id}

    # -- loaders -------------------------------------------------------------

    def load_users(self) -> None:
        for key, email, name, role, locale, timezone, currency in USERS:
            user = find_user(email)
            if user is None:
                user = create_user(email, name, DEMO_PASSWORD, role, locale=locale, timezone=timezone,
                                   reporting_currency=currency)
                self.created += 1
            self.users[key] = user

    def load_companies(self) -> None:
        for key, fields in COMPANIES.items():
            company = self.first(sa.select(Company).where(Company.name_en == fields["name_en"]))
            self.companies[key] = company or self.add(Company(**fields))

    def load_events(self) -> None:
        for key, spec in EVENTS.items():
            fields = dict(spec)
            attending = [self.companies[c] for c in fields.pop("companies")]
            event = self.first(sa.select(Event).where(Event.name_en == fields["name_en"]))
            if event is None:
                fields["organiser"] = self.companies[fields["organiser"]]
                fields["start_date"] = self.day(fields["start_date"])
                fields["end_date"] = self.day(fields["end_date"])
                event = self.add(Event(**fields))
            for company in attending:
                if company not in event.companies:
                    event.companies.append(company)
                    self.created += 1
            self.events[key] = event

    def load_contacts(self) -> None:
        for key, company, name_en, name_zh, job_en, job_zh, email, phone, wechat, languages in CONTACTS:
            contact = self.first(sa.select(Contact).where(sa.func.lower(Contact.email) == email.lower()))
            if contact is None:
                contact = self.add(Contact(
                    company=self.companies[company], name_en=name_en, name_zh=name_zh, job_title_en=job_en,
                    job_title_zh=job_zh, email=email, phone=phone, wechat_id=wechat, languages=languages,
                ))
            self.contacts[key] = contact

    def load_titles(self) -> None:
        for key, spec in TITLES.items():
            title = self.first(sa.select(Title).where(Title.name_en == spec["name_en"]))
            if title is None:
                fields = dict(spec, rights_holder=self.companies[spec["rights_holder"]])
                title = self.add(Title(**fields))
            self.titles[key] = title

    def _new_meeting(self, owner: str, contacts: list[str], guests: list[str], **fields) -> Meeting:
        meeting = self.add(Meeting(owner=self.users[owner], **fields))
        meeting.users = [self.users[u] for u in [owner, *guests]]
        meeting.contacts = [self.contacts[c] for c in contacts]
        self.created += len(meeting.users) + len(meeting.contacts)
        return meeting

    def load_meetings(self) -> None:
        for (key, event_key, start, table, owner, company_key, contacts, status, interest, notes, next_step,
             follow_up) in MEETINGS:
            event, company = self.events[event_key], self.companies[company_key]
            starts_at = self.when(f"{start} {EVENTS[event_key]['timezone']}")
            meeting = self.first(sa.select(Meeting).where(
                Meeting.event_id == event.id, Meeting.starts_at == starts_at, Meeting.company_id == company.id,
            ))
            if meeting is None:
                meeting = self._new_meeting(
                    owner, contacts, MEETING_GUESTS.get(key, []), event=event, company=company, starts_at=starts_at,
                    duration_minutes=30, location=table, status=status, interest_level=interest, notes=notes,
                    next_step=next_step, follow_up_date=self.day(follow_up),
                )
            self.meetings[key] = meeting
        for key, owner, company_key, contacts, days, clock, zone, minutes, location, notes in UPCOMING_MEETINGS:
            company = self.companies[company_key]
            # Keyed without the date, which depends on the day of seeding.
            meeting = self.first(sa.select(Meeting).where(
                Meeting.event_id.is_(None), Meeting.company_id == company.id,
                Meeting.owner_id == self.users[owner].id, Meeting.location == location,
            ))
            if meeting is None:
                starts_at = self.when(f"{self.day(days).isoformat()} {clock} {zone}")
                meeting = self._new_meeting(
                    owner, contacts, [], company=company, starts_at=starts_at, duration_minutes=minutes,
                    location=location, status=MeetingStatus.SCHEDULED, notes=notes,
                )
            self.meetings[key] = meeting

    def load_leads(self) -> None:
        for (key, owner, company_key, contact, meeting_key, deal_type, genre, status, summary, titles,
             reason) in LEADS:
            company, meeting = self.companies[company_key], self.meetings[meeting_key]
            lead = self.first(sa.select(Lead).where(Lead.company_id == company.id, Lead.summary == summary))
            if lead is None:
                lead = self.add(Lead(
                    owner=self.users[owner], company=company, contact=self.contacts[contact],
                    source=LeadSource.MEETING, event=meeting.event, meeting=meeting, deal_type=deal_type,
                    genre=genre, status=status, summary=summary, disqualified_reason=reason,
                    created_at=meeting.ends_at, updated_at=meeting.ends_at,
                ))
                lead.titles = [self.titles[t] for t in titles]
                self.created += len(titles)
            self.leads[key] = lead

    def load_deals(self) -> None:
        for spec in DEALS:
            deal = self.first(sa.select(Deal).where(Deal.name_en == spec["name_en"]))
            if deal is None:
                deal = self._new_deal(spec)
            self.deals[spec["key"]] = deal

    def _new_deal(self, spec: dict) -> Deal:
        deal_type, owner = spec["deal_type"], self.users[spec["owner"]]
        moves = [(self.stage(deal_type, key), self.when(at), self.users[by[0]] if by else owner)
                 for key, at, *by in spec["history"]]
        stage, entered_at = moves[-1][0], moves[-1][1]
        deal = self.add(Deal(
            deal_type=deal_type, name_en=spec["name_en"], name_zh=spec["name_zh"], stage=stage, owner=owner,
            company=self.companies[spec["company"]], amount=Decimal(spec["amount"]), currency=spec["currency"],
            expected_close_date=self.day(spec["expected_close"]), event=self.events[spec["event"]],
            meeting=self.meetings.get(spec.get("meeting")), lead=self.leads.get(spec.get("lead")),
            regulatory_status=spec["regulatory"], stage_entered_at=entered_at,
            signed_on=self.day(spec.get("signed_on")), closed_at=entered_at if stage.is_closed else None,
            won_reason=spec.get("won_reason"), lost_reason=spec.get("lost_reason"), notes=spec.get("notes"),
            created_at=moves[0][1], updated_at=entered_at,
        ))
        deal.titles = [self.titles[t] for t in spec["titles"]]
        deal.contacts = [self.contacts[c] for c in spec["contacts"]]
        deal.territories = [DealTerritory(code=code) for code in spec["territories"]]
        deal.media = [DealMedium(medium=medium) for medium in spec["media"]]
        deal.payments = [PaymentInstalment(sequence=n, percent=Decimal(pct), trigger_en=en, trigger_zh=zh)
                         for n, (pct, en, zh) in enumerate(spec.get("payments", []), 1)]
        self.created += sum(len(x) for x in (deal.titles, deal.contacts, deal.territories, deal.media, deal.payments))
        self._add_terms(deal, spec)
        db.session.flush()  # the deal's id, for its history and rights grant
        previous = None
        for stage_, at, by in moves:
            self.add(StageChange(
                deal_id=deal.id, from_stage_id=previous[0].id if previous else None, to_stage_id=stage_.id,
                changed_by_id=by.id, changed_at=at,
                seconds_in_previous_stage=int((at - previous[1]).total_seconds()) if previous else None,
            ))
            previous = (stage_, at)
        if "grant" in spec:
            self._add_grant(deal, spec)
        return deal

    def _add_terms(self, deal: Deal, spec: dict) -> None:
        if "licence" in spec:
            terms = dict(spec["licence"])
            for field in ("licence_start", "licence_end"):
                terms[field] = self.day(terms.get(field))
            for field in ("minimum_guarantee", "revenue_share", "agent_commission"):
                if field in terms:
                    terms[field] = Decimal(terms[field])
            deal.licence = LicenceTerms(**terms)
            self.created += 1
        if "format_terms" in spec:
            terms = dict(spec["format_terms"])
            for field in ("fee_percent", "local_budget", "backend_share", "fee_per_episode"):
                if field in terms:
                    terms[field] = Decimal(terms[field])
            deal.format_terms = FormatTerms(**terms)
            self.created += 1
        if "coproduction" in spec:
            terms = dict(spec["coproduction"])
            partners = terms.pop("partners")
            terms["budget"] = Decimal(terms["budget"])
            terms["delivery_date"] = self.day(terms.get("delivery_date"))
            deal.coproduction = CoproductionTerms(**terms, partners=[
                CoproductionPartner(company=self.companies[company], financing_share=Decimal(financing),
                                    ip_share=Decimal(ip), contribution=contribution, territories_retained=kept)
                for company, financing, ip, contribution, kept in partners
            ])
            self.created += 1 + len(partners)

    def _add_grant(self, deal: Deal, spec: dict) -> None:
        fields = dict(spec["grant"])
        grant = self.add(RightsGrant(
            title=self.titles[fields.pop("title")], deal=deal, starts_on=self.day(fields.pop("starts_on")),
            ends_on=self.day(fields.pop("ends_on")), created_at=deal.closed_at or self.now, **fields,
        ))
        db.session.flush()
        territories = [{"grant_id": grant.id, "code": code, "excluded": False} for code in spec["territories"]]
        media = [{"grant_id": grant.id, "medium": medium} for medium in spec["media"]]
        db.session.execute(sa.insert(rights_grant_territories), territories)
        db.session.execute(sa.insert(rights_grant_media), media)
        self.created += len(territories) + len(media)

    def load_tasks(self) -> None:
        for owner, subject, due, done, link in TASKS:
            user = self.users[owner]
            if self.first(sa.select(Task.id).where(Task.owner_id == user.id, Task.subject == subject)) is None:
                self.add(Task(owner=user, subject=subject, due_on=self.day(due),
                              done_at=self.when(done) if done else None, **self.subject(link)))

    def load_notes(self) -> None:
        for author, link, at, body in NOTES:
            if self.first(sa.select(Note.id).where(Note.body == body)) is None:
                self.add(Note(author_id=self.users[author].id, body=body, created_at=self.when(at),
                              **self.subject(link)))

    def load_rates(self) -> None:
        for currency, rate in RATES_2017_05_24.items():
            self._rate(currency, rate, MARKET_DAY, recent=False)
        for currency, rate in RATES_RECENT.items():
            self._rate(currency, rate, self.today, recent=True)

    def _rate(self, currency: str, rate: str, on: dt.date, recent: bool) -> None:
        stmt = sa.select(ExchangeRate.id).where(ExchangeRate.base == "USD", ExchangeRate.currency == currency)
        if recent:
            # The recent date is the day of the first seeding: any later demo rate counts as present.
            stmt = stmt.where(sa.or_(ExchangeRate.rate_date == on,
                                     sa.and_(ExchangeRate.source == RATE_SOURCE, ExchangeRate.rate_date > MARKET_DAY)))
        else:
            stmt = stmt.where(ExchangeRate.rate_date == on)
        if self.first(stmt) is None:
            self.add(ExchangeRate(base="USD", currency=currency, rate_date=on, rate=Decimal(rate),
                                  source=RATE_SOURCE))

