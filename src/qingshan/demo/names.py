"""Fictional names, people and contacts for the demo city.

Trade names (字号) pair a rarely used first character with a common second one, so
that the results read like Shaoxing company names without being the well-known ones;
the names of large real enterprises of the city are screened out as well. No list of
registered companies was consulted, so a chance match with some small real firm cannot be
ruled out; the contacts are obviously fictional (example.com, unlisted numbers).
"""

from __future__ import annotations

import random

FIRST = "澄沁翰璟屹晟澜霁岚禾棠砚槿湄邃曜珩璞芸蔚岫涵筠臻骁绮峤溱琮瑄"
SECOND = "源泓川林嘉峰达润和通泽华盛宸辉泰瀚舟茂澈鸿博锦凯恒睿昇鼎卓溪"

# Trade names of well-known real Shaoxing enterprises that must never be generated.
REAL_TRADE_NAMES = frozenset(
    {
        "龙盛",
        "闰土",
        "新和成",
        "京新",
        "海正",
        "迎丰",
        "古纤道",
        "精功",
        "盾安",
        "海亮",
        "万丰",
        "卧龙",
        "晶盛",
        "三力士",
        "富润",
        "天圣",
        "华通",
        "永通",
        "美盛",
        "江龙",
        "兴发",
        "玻尔",
        "越隆",
        "华东",
        "震元",
    }
)

SURNAMES = "王陈张李金何俞孙钱沈徐胡周赵杨吴施傅宣楼袁章董丁马"
GIVEN = "建国伟明华军平杰勇峰斌涛强磊丽红燕芳敏静霞萍琴英洁晨浩"


def trade_name(rng: random.Random, taken: set[str]) -> str:
    """A two-character trade name not yet used in the city."""
    while True:
        name = rng.choice(FIRST) + rng.choice(SECOND)
        if name not in taken and name not in REAL_TRADE_NAMES:
            taken.add(name)
            return name


def person_name(rng: random.Random) -> str:
    given = rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else "")
    return rng.choice(SURNAMES) + given


def phone(rng: random.Random) -> str:
    # Shaoxing area code 0575; the eight digits are random and not looked up.
    return f"0575-8{rng.randrange(1_000_000, 9_999_999):07d}"


def email(serial: int) -> str:
    return f"env{serial:04d}@example.com"  # RFC 2606 reserved domain
