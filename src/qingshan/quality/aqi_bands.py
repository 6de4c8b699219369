"""AQI levels, categories, colours and health advice (HJ 633-2012 Table 2 and Appendix A;
HJ 633—2026 keeps the bands and colours and revises some advice wording)."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class AqiBand:
    """One row of the AQI level table (HJ 633-2012 Table 2 and Appendix A)."""

    upper: int | None  # inclusive upper AQI of the band; None for the open top band
    level: str
    level_en: str
    category: str
    category_en: str
    colour: str
    colour_en: str
    rgb: tuple[int, int, int]
    cmyk: tuple[int, int, int, int]
    health_effect: str
    advice: str
    health_effect_en: str
    advice_en: str


_BAND_FIXED = (
    # upper, level, level_en, category, category_en, colour, colour_en, rgb, cmyk
    (50, "一级", "Level 1", "优", "Excellent", "绿色", "green", (0, 228, 0), (40, 0, 100, 0)),
    (100, "二级", "Level 2", "良", "Good", "黄色", "yellow", (255, 255, 0), (0, 0, 100, 0)),
    (150, "三级", "Level 3", "轻度污染", "Lightly polluted", "橙色", "orange", (255, 126, 0),
     (0, 52, 100, 0)),
    (200, "四级", "Level 4", "中度污染", "Moderately polluted", "红色", "red", (255, 0, 0),
     (0, 100, 100, 0)),
    (300, "五级", "Level 5", "重度污染", "Heavily polluted", "紫色", "purple", (153, 0, 76),
     (10, 100, 40, 30)),
    (None, "六级", "Level 6", "严重污染", "Severely polluted", "褐红色", "maroon", (126, 0, 35),
     (30, 100, 100, 30)),
)  # fmt: skip

# HJ 633-2012 Table 2, health effects and recommended measures (digest §1.4, ≥4 transcriptions).
_ADVICE_2012 = (
    ("空气质量令人满意，基本无空气污染", "各类人群可正常活动"),
    (
        "空气质量可接受，但某些污染物可能对极少数异常敏感人群健康有较弱影响",
        "极少数异常敏感人群应减少户外活动",
    ),
    (
        "易感人群症状有轻度加剧，健康人群出现刺激症状",
        "儿童、老年人及心脏病、呼吸系统疾病患者应减少长时间、高强度的户外锻炼",
    ),
    (
        "进一步加剧易感人群症状，可能对健康人群心脏、呼吸系统有影响",
        "儿童、老年人及心脏病、呼吸系统疾病患者避免长时间、高强度的户外锻炼，"
        "一般人群适量减少户外运动",
    ),
    (
        "心脏病和肺病患者症状显著加剧，运动耐受力降低，健康人群普遍出现症状",
        "儿童、老年人和心脏病、肺病患者应停留在室内，停止户外运动，一般人群减少户外运动",
    ),
    (
        "健康人群运动耐受力降低，有明显强烈症状，提前出现某些疾病",
        "儿童、老年人和病人应当留在室内，避免体力消耗，一般人群应避免户外活动",
    ),
)

# Our English rendering (not an official translation).
_ADVICE_EN = (
    ("Air quality is satisfactory; little or no air pollution.", "Everyone can be active."),
    (
        "Air quality is acceptable; some pollutants may slightly affect a very small "
        "number of unusually sensitive people.",
        "Unusually sensitive people should reduce outdoor activity.",
    ),
    (
        "Symptoms of susceptible people worsen slightly; healthy people show irritation.",
        "Children, the elderly and people with heart or respiratory disease should reduce "
        "prolonged or heavy outdoor exercise.",
    ),
    (
        "Symptoms of susceptible people worsen further; may affect the heart and "
        "respiratory system of healthy people.",
        "Children, the elderly and people with heart or respiratory disease should avoid "
        "prolonged or heavy outdoor exercise; others should reduce outdoor exercise.",
    ),
    (
        "Symptoms of people with heart or lung disease worsen markedly, exercise "
        "tolerance drops; healthy people commonly show symptoms.",
        "Children, the elderly and people with heart or lung disease should stay indoors "
        "and stop outdoor exercise; others should reduce outdoor exercise.",
    ),
    (
        "Exercise tolerance of healthy people drops, with marked symptoms; some diseases "
        "appear earlier.",
        "Children, the elderly and the sick should stay indoors and avoid exertion; "
        "others should avoid outdoor activity.",
    ),
)

# HJ 633—2026 revised wording (digest §1.2, one transcription [1-src, VERIFY]): only the
# named groups change; bands and colours stay.
_WORDING_2026 = (("儿童", "青少年儿童"), ("心脏病、呼吸系统疾病患者", "心血管、呼吸系统疾病患者"))


def _revise_2026(text: str) -> str:
    for old, new in _WORDING_2026:
        text = text.replace(old, new)
    return text


def _bands(advice: tuple[tuple[str, str], ...]) -> tuple[AqiBand, ...]:
    return tuple(
        AqiBand(*fixed, health_effect=zh[0], advice=zh[1], health_effect_en=en[0],
                advice_en=en[1])
        for fixed, zh, en in zip(_BAND_FIXED, advice, _ADVICE_EN, strict=True)
    )  # fmt: skip


BANDS_2012 = _bands(_ADVICE_2012)
#: [1-src, VERIFY] revised wording of HJ 633—2026.
BANDS_2026 = _bands(tuple((effect, _revise_2026(advice)) for effect, advice in _ADVICE_2012))
