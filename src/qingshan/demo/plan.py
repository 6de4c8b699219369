"""The demo city as plain data, built deterministically from a seed (no database here).

``build_city(seed, today)`` returns the same plan for the same arguments on every machine:
each enterprise draws from its own ``random.Random`` keyed by seed, profile, county and
index, so a change to one profile does not reshuffle the others. Permit dates are laid
out relative to ``today`` so that the demo always has a few permits expiring soon and a
few expired; the loader keeps the date of the first load (``DemoLoad.plan_date``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import random
from dataclasses import dataclass, field
from decimal import Decimal

from qingshan.core.chinatime import china_today
from qingshan.demo import names
from qingshan.demo.geography import CITY_PREFIX, COUNTIES, KEQIAO, REGIONS, ROADS, RegionSpec
from qingshan.demo.industries import (
    CAPPED,
    DEMO_ENTERPRISE_NAME,
    DEMO_ENTERPRISE_TRADE,
    PROFILES,
    OutletSpec,
    Profile,
)
from qingshan.demo.standards import LimitRow, scenario_limits
from qingshan.registry.validators import (
    CREDIT_CODE_CHARS,
    credit_code_complete,
    organization_code_check_char,
)

DEMO_PASSWORD = "qingshan-demo"  # every demo account; printed by `qingshan demo`
PERMIT_YEARS = 5  # 《排污许可管理条例》§14: a permit is valid for five years
_MN_CHARS = "0123456789ABCDEF"


@dataclass(slots=True)
class PointPlan:
    name: str
    factors: tuple[str, ...]
    mn: str
    password: str
    password_digest: str


@dataclass(slots=True)
class OutletPlan:
    code: str
    name: str
    medium: str
    kind: str
    scenario: str | None
    flow: int  # design flow: m³/d for water, Nm³/h for air
    points: list[PointPlan]


@dataclass(frozen=True, slots=True)
class LimitPlan:
    outlet_code: str
    row: LimitRow


@dataclass(slots=True)
class PermitPlan:
    number: str
    permit_class: str
    valid_from: dt.date
    valid_to: dt.date
    status: str
    limits: list[LimitPlan]
    caps: dict[str, Decimal]  # pollutant factor code → tonnes per year


@dataclass(slots=True)
class EnterprisePlan:
    credit_code: str
    name: str
    region_code: str
    industry_code: str
    profile: str
    sector: str
    address: str
    longitude: Decimal
    latitude: Decimal
    is_key_discharger: bool
    contact_name: str
    contact_phone: str
    contact_email: str
    outlets: list[OutletPlan]
    permit: PermitPlan | None = None


@dataclass(frozen=True, slots=True)
class AccountPlan:
    username: str
    role: str
    region_code: str
    display_name: str
    enterprise_name: str | None = None
    is_superuser: bool = False


@dataclass(slots=True)
class CityPlan:
    seed: int
    today: dt.date
    regions: tuple[RegionSpec, ...]
    enterprises: list[EnterprisePlan] = field(default_factory=list)
    accounts: tuple[AccountPlan, ...] = ()

    def points(self) -> list[tuple[EnterprisePlan, OutletPlan, PointPlan]]:
        return [(e, o, p) for e in self.enterprises for o in e.outlets for p in o.points]


ACCOUNTS: tuple[AccountPlan, ...] = (
    AccountPlan("demo-admin", "admin", "", "局管理员（演示）", is_superuser=True),
    AccountPlan("demo-regulator", "regulator", CITY_PREFIX, "市局监管人员（演示）"),
    AccountPlan("demo-county", "regulator", KEQIAO, "柯桥分局监管人员（演示）"),
    AccountPlan("demo-inspector", "inspector", CITY_PREFIX, "市局执法人员（演示）"),
    AccountPlan(
        "demo-enterprise",
        "enterprise",
        "",
        "企业环保专员（演示）",
        enterprise_name=DEMO_ENTERPRISE_NAME,
    ),
)


# ── identifiers ───────────────────────────────────────────────────────────────────


def credit_code(rng: random.Random, region_code: str, taken: set[str]) -> str:
    """A GB 32100 code for a company (91) registered in ``region_code``, valid check chars.

    Most codes issued since 2015 carry a newly assigned identifier starting "MA"; older
    companies kept their 8-digit organization code. Both get the GB 11714 check char.
    """
    letters = CREDIT_CODE_CHARS[10:]
    while True:
        if rng.random() < 0.7:
            body = "MA2" + "".join(rng.choice(CREDIT_CODE_CHARS[:10] + letters) for _ in range(5))
        else:
            body = rng.choice("17") + "".join(rng.choice("0123456789") for _ in range(7))
        code = credit_code_complete(f"91{region_code}{body}{organization_code_check_char(body)}")
        if code not in taken:
            taken.add(code)
            return code


def _hmac(seed: int, message: str) -> str:
    return hmac.new(f"qingshan-demo:{seed}".encode(), message.encode(), hashlib.sha256).hexdigest()


def device_mn(seed: int, region_code: str, serial: int, label: str) -> str:
    """24 characters: county code, a city-wide serial, and 12 hex digits from the seed."""
    return f"{region_code}{serial:06d}{_hmac(seed, 'mn:' + label)[:12].upper()}"


def device_password(seed: int, mn: str) -> str:
    """Six digits (HJ 212 PW is six characters), reproducible from the seed for the simulator."""
    return f"{int(_hmac(seed, 'pw:' + mn)[:12], 16) % 1_000_000:06d}"


def device_digest(seed: int, mn: str, password: str) -> str:
    # the same scheme as registry.passwords, with a salt derived from the seed so that a
    # re-run writes byte-identical rows
    salt = _hmac(seed, "salt:" + mn)[:16]
    digest = hashlib.sha256(f"{salt}:{password}".encode()).hexdigest()
    return f"sha256${salt}${digest}"


# ── enterprises ───────────────────────────────────────────────────────────────────


def _coordinate(rng: random.Random, low: Decimal, high: Decimal) -> Decimal:
    return (low + (high - low) * Decimal(rng.random())).quantize(Decimal("0.000001"))


def _address(rng: random.Random, region_code: str) -> str:
    county = COUNTIES[region_code]
    return (
        f"浙江省绍兴市{county.name}{rng.choice(county.towns)}"
        f"{rng.choice(ROADS)}{rng.randrange(1, 999)}号"
    )


def _outlets(
    rng: random.Random,
    profile: Profile,
    seed: int,
    region_code: str,
    serials: dict[str, int],
    credit: str,
) -> list[OutletPlan]:
    outlets: list[OutletPlan] = []
    counters = {"water": 0, "air": 0}
    for spec in profile.outlets:
        if rng.random() >= spec.share:
            continue
        for _ in range(rng.randint(*spec.count)):
            counters[spec.medium] += 1
            outlets.append(
                _outlet(rng, spec, counters[spec.medium], seed, region_code, serials, credit)
            )
    return outlets


def _outlet(
    rng: random.Random,
    spec: OutletSpec,
    number: int,
    seed: int,
    region_code: str,
    serials: dict[str, int],
    credit: str,
) -> OutletPlan:
    code = f"D{'W' if spec.medium == 'water' else 'A'}{number:03d}"
    name = spec.name if spec.count == (1, 1) else f"{number}#{spec.name}"
    serials["mn"] += 1
    mn = device_mn(seed, region_code, serials["mn"], f"{credit}:{code}")
    password = device_password(seed, mn)
    point = PointPlan(
        f"{code} {name}在线监测点", spec.factors, mn, password, device_digest(seed, mn, password)
    )
    return OutletPlan(
        code, name, spec.medium, spec.kind, spec.scenario, rng.randint(*spec.flow), [point]
    )


def _enterprise(
    profile: Profile,
    region_code: str,
    index: int,
    seed: int,
    taken: dict[str, set[str]],
    serials: dict[str, int],
) -> EnterprisePlan:
    rng = random.Random(f"{seed}:{profile.key}:{region_code}:{index}")
    county = COUNTIES[region_code]
    industry_code, suffix = profile.industries[index % len(profile.industries)]
    if profile.key == "dyeing-indirect" and region_code == KEQIAO and index == 0:
        name = DEMO_ENTERPRISE_NAME  # the enterprise the demo-enterprise account belongs to
        industry_code = "1752"
    else:
        trade = names.trade_name(rng, taken["trade"])
        name = f"{rng.choice(county.name_prefixes)}{trade}{suffix}"
    credit = credit_code(rng, region_code, taken["credit"])
    serials["enterprise"] += 1
    return EnterprisePlan(
        credit_code=credit,
        name=name,
        region_code=region_code,
        industry_code=industry_code,
        profile=profile.key,
        sector=profile.sector,
        address=_address(rng, region_code),
        longitude=_coordinate(rng, county.west, county.east),
        latitude=_coordinate(rng, county.south, county.north),
        is_key_discharger=rng.random() < profile.key_share or name == DEMO_ENTERPRISE_NAME,
        contact_name=names.person_name(rng),
        contact_phone=names.phone(rng),
        contact_email=names.email(serials["enterprise"]),
        outlets=_outlets(rng, profile, seed, region_code, serials, credit),
    )


# ── permits ───────────────────────────────────────────────────────────────────────


def _add_years(day: dt.date, years: int) -> dt.date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def _period(rng: random.Random, today: dt.date, *, may_expire: bool) -> tuple[dt.date, dt.date]:
    """Mostly years to run; ~8 % expiring within 90 days; ~20 % expired if ``may_expire``."""
    draw = rng.random()
    if may_expire and draw < 0.2:
        valid_to = today - dt.timedelta(days=rng.randint(5, 300))
    elif 0.2 <= draw < 0.28:
        valid_to = today + dt.timedelta(days=rng.randint(7, 90))
    else:
        valid_to = today + dt.timedelta(days=rng.randint(120, 365 * PERMIT_YEARS - 60))
    valid_from = _add_years(valid_to, -PERMIT_YEARS) + dt.timedelta(days=1)
    return valid_from, valid_to


def _limits(enterprise: EnterprisePlan) -> list[LimitPlan]:
    """The standard's limits for each outlet, for the factors measured there."""
    limits: list[LimitPlan] = []
    for outlet in enterprise.outlets:
        if outlet.scenario is None:
            continue
        measured = {f for point in outlet.points for f in point.factors}
        limits += [
            LimitPlan(outlet.code, row)
            for row in scenario_limits(outlet.scenario)
            if row.factor in measured
        ]
    return limits


def _tonnes(row: LimitRow, outlet: OutletPlan, rng: random.Random) -> Decimal:
    """Permitted annual amount = limit × design flow × operating time × a margin below 1."""
    if outlet.medium == "water":
        volume = Decimal(outlet.flow * 330)  # m³/a at 330 operating days; mg/L × m³ = g
        grams = row.value * volume
    else:
        volume = Decimal(outlet.flow * 7200)  # Nm³/a at 7,200 operating hours; mg/m³ × m³ = mg
        grams = row.value * volume / 1000
    share = Decimal(rng.randint(55, 85)) / 100  # permits are set below the full-limit amount
    return (grams * share / 1_000_000).quantize(Decimal("0.001"))


def _caps(
    enterprise: EnterprisePlan, limits: list[LimitPlan], rng: random.Random
) -> dict[str, Decimal]:
    """Annual caps of the main pollutants, summed over the main outlets."""
    outlets = {o.code: o for o in enterprise.outlets}
    # where a factor has both an hourly and a daily limit (incinerators), totals are
    # computed from the daily one
    daily = {(x.outlet_code, x.row.factor) for x in limits if x.row.basis == "daily"}
    caps: dict[str, Decimal] = {}
    for limit in limits:
        outlet = outlets[limit.outlet_code]
        if limit.row.basis == "hourly" and (outlet.code, limit.row.factor) in daily:
            continue
        if limit.row.factor in CAPPED[outlet.medium] and outlet.kind == "main":
            tonnes = _tonnes(limit.row, outlet, rng)
            caps[limit.row.factor] = caps.get(limit.row.factor, Decimal(0)) + tonnes
    return caps


def _permit_class(profile: Profile, is_key: bool) -> str:
    # industries follow the classification catalogue (2019 名录); stand-alone boiler
    # houses are key-managed only when on the key-discharger list (名录 row 109)
    if profile.key == "heat":
        return "key" if is_key else "simplified"
    return profile.permit_class


def _permit(
    enterprise: EnterprisePlan, profile: Profile, seed: int, today: dt.date
) -> PermitPlan | None:
    rng = random.Random(f"{seed}:permit:{enterprise.credit_code}")
    if not enterprise.is_key_discharger and rng.random() >= profile.permit_share:
        return None
    valid_from, valid_to = _period(rng, today, may_expire=not enterprise.is_key_discharger)
    limits = _limits(enterprise)
    return PermitPlan(
        # HJ 608-2017: the permit (fixed-source) code is USCC + site serial + letter
        number=f"{enterprise.credit_code}001P",
        permit_class=_permit_class(profile, enterprise.is_key_discharger),
        valid_from=valid_from,
        valid_to=valid_to,
        status="valid" if valid_to >= today else "expired",
        limits=limits,
        caps=_caps(enterprise, limits, rng) if enterprise.is_key_discharger else {},
    )


# ── the city ──────────────────────────────────────────────────────────────────────


def build_city(seed: int = 1, today: dt.date | None = None) -> CityPlan:
    today = today or china_today()
    plan = CityPlan(seed=seed, today=today, regions=REGIONS, accounts=ACCOUNTS)
    taken: dict[str, set[str]] = {"trade": {DEMO_ENTERPRISE_TRADE}, "credit": set()}
    serials = {"enterprise": 0, "mn": 0}
    for profile in PROFILES:
        for region_code, count in profile.counts.items():
            for index in range(count):
                enterprise = _enterprise(profile, region_code, index, seed, taken, serials)
                enterprise.permit = _permit(enterprise, profile, seed, today)
                plan.enterprises.append(enterprise)
    return plan
