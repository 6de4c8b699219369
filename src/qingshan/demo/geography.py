"""Where the demo city lies: GB/T 2260 codes, names, and rough county extents.

The codes and names are facts (GB/T 2260, as in force since the 2013 reorganisation that
created 柯桥区 and 上虞区). The bounding boxes are approximate rectangles around each
county's built-up and industrial area, chosen so that they do not overlap: good enough to
put a marker in the right county on a map, not for anything that needs a boundary.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal


@dataclass(frozen=True, slots=True)
class RegionSpec:
    code: str
    name: str
    name_en: str
    level: str  # core.choices.RegionLevel value
    parent: str | None


@dataclass(frozen=True, slots=True)
class County:
    code: str
    name: str
    short: str  # the form used in company names: 绍兴柯桥…, 诸暨市…
    name_prefixes: tuple[str, ...]
    towns: tuple[str, ...]  # real streets, towns and parks, for addresses
    west: Decimal
    east: Decimal
    south: Decimal
    north: Decimal


PROVINCE = RegionSpec("330000", "浙江省", "Zhejiang", "province", None)
CITY = RegionSpec("330600", "绍兴市", "Shaoxing", "city", "330000")
CITY_PREFIX = "3306"

YUECHENG, KEQIAO, SHANGYU = "330602", "330603", "330604"
XINCHANG, ZHUJI, SHENGZHOU = "330624", "330681", "330683"

COUNTY_REGIONS: tuple[RegionSpec, ...] = (
    RegionSpec(YUECHENG, "越城区", "Yuecheng District", "county", "330600"),
    RegionSpec(KEQIAO, "柯桥区", "Keqiao District", "county", "330600"),
    RegionSpec(SHANGYU, "上虞区", "Shangyu District", "county", "330600"),
    RegionSpec(XINCHANG, "新昌县", "Xinchang County", "county", "330600"),
    RegionSpec(ZHUJI, "诸暨市", "Zhuji", "county", "330600"),
    RegionSpec(SHENGZHOU, "嵊州市", "Shengzhou", "county", "330600"),
)

REGIONS: tuple[RegionSpec, ...] = (PROVINCE, CITY, *COUNTY_REGIONS)


def _d(value: str) -> Decimal:
    return Decimal(value)


COUNTIES: dict[str, County] = {
    c.code: c
    for c in (
        County(
            YUECHENG,
            "越城区",
            "越城",
            ("绍兴", "绍兴越城"),
            ("皋埠街道", "马山街道", "斗门街道", "东浦街道", "孙端街道", "袍江工业区"),
            _d("120.540"),
            _d("120.720"),
            _d("29.970"),
            _d("30.120"),
        ),
        County(
            KEQIAO,
            "柯桥区",
            "柯桥",
            ("绍兴柯桥", "绍兴"),
            (
                "马鞍街道",
                "齐贤街道",
                "钱清街道",
                "华舍街道",
                "杨汛桥街道",
                "安昌街道",
                "滨海工业区",
            ),
            _d("120.330"),
            _d("120.530"),
            _d("29.900"),
            _d("30.150"),
        ),
        County(
            SHANGYU,
            "上虞区",
            "上虞",
            ("绍兴上虞", "浙江"),
            (
                "杭州湾上虞经济技术开发区",
                "道墟街道",
                "百官街道",
                "曹娥街道",
                "崧厦街道",
                "沥海街道",
            ),
            _d("120.760"),
            _d("120.990"),
            _d("29.880"),
            _d("30.200"),
        ),
        County(
            XINCHANG,
            "新昌县",
            "新昌",
            ("新昌县", "浙江新昌"),
            ("七星街道", "羽林街道", "南明街道", "新昌高新技术产业园区", "澄潭街道"),
            _d("120.890"),
            _d("121.050"),
            _d("29.380"),
            _d("29.540"),
        ),
        County(
            ZHUJI,
            "诸暨市",
            "诸暨",
            ("诸暨市", "诸暨"),
            ("暨阳街道", "店口镇", "大唐街道", "枫桥镇", "陶朱街道", "山下湖镇"),
            _d("120.110"),
            _d("120.400"),
            _d("29.560"),
            _d("29.880"),
        ),
        County(
            SHENGZHOU,
            "嵊州市",
            "嵊州",
            ("嵊州市", "嵊州"),
            ("三江街道", "剡湖街道", "浦口街道", "甘霖镇", "嵊州经济开发区"),
            _d("120.650"),
            _d("120.880"),
            _d("29.550"),
            _d("29.740"),
        ),
    )
}

# Fictional road names; house numbers are drawn at random.
ROADS: tuple[str, ...] = (
    "兴业路",
    "创业大道",
    "纬三路",
    "经五路",
    "振兴路",
    "环城北路",
    "工业大道",
    "滨海大道",
    "金桥路",
    "富民路",
    "科创路",
    "致远路",
    "东湖路",
    "同心路",
    "新区大道",
    "纬七路",
)
