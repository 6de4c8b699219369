"""The printable supervision order (督办单) as PDF, with fpdf2 and an embedded CJK font.

fpdf2 is pure Python (with fontTools, which it uses to subset the font): no system
library, no browser. The font is, in this order: the file named by QINGSHAN_CJK_FONT;
Noto Sans SC, which `make setup` vendors from npm into the web app's static files (so a
fresh machine needs no system font); a system font found in QINGSHAN_FONT_DIRS (default:
where Debian's fonts-noto-cjk and others put them; a collection's Simplified Chinese face
is picked by name). docs/adr/0010-pdf-with-fpdf2.md says why.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from django.utils import timezone

from qingshan.supervision.models import CaseEvent, SupervisionCase

# scripts/vendor_assets.py copies it there at set-up time
VENDORED = "vendor/noto-sans-sc/NotoSansSC-Regular.ttf"
SYSTEM_DIRS = (
    "/usr/share/fonts/opentype/noto",
    "/usr/share/fonts/truetype/noto",
    "/usr/share/fonts/noto-cjk",
    "/usr/share/fonts/google-noto-cjk",
    "/usr/share/fonts/truetype/wqy",
    "/usr/share/fonts/truetype/droid",
)
SYSTEM_FILES = (
    "NotoSansCJK-Regular.ttc",
    "NotoSerifCJK-Regular.ttc",
    "wqy-zenhei.ttc",
    "DroidSansFallbackFull.ttf",
)


class FontMissing(RuntimeError):
    """No font with Chinese glyphs was found: run `make setup` (it vendors Noto Sans SC)."""


@dataclass(frozen=True)
class CjkFont:
    path: str
    index: int


def candidates() -> list[str]:
    """Font files to try, best first."""
    from django.contrib.staticfiles import finders

    configured = os.environ.get("QINGSHAN_CJK_FONT", "")
    vendored = finders.find(VENDORED)
    dirs = os.environ.get("QINGSHAN_FONT_DIRS")
    system = dirs.split(os.pathsep) if dirs is not None else SYSTEM_DIRS
    return [
        *([configured] if configured else []),
        *([str(vendored)] if isinstance(vendored, str) else []),
        *(str(Path(d) / name) for name in SYSTEM_FILES for d in system if d),
    ]


@lru_cache(maxsize=1)
def cjk_font() -> CjkFont:
    for path in candidates():
        if Path(path).is_file():
            return CjkFont(path, _sc_index(path))
    raise FontMissing(
        "no CJK font found: run `make setup` (it vendors Noto Sans SC), or set QINGSHAN_CJK_FONT"
    )


def _sc_index(path: str) -> int:
    """The Simplified Chinese face of a collection (Noto's .ttc holds JP, KR, SC, TC, HK)."""
    if not path.lower().endswith(".ttc"):
        return 0
    from fontTools.ttLib import TTCollection  # type: ignore[import-untyped]

    collection = TTCollection(path, lazy=True)
    try:
        for index, font in enumerate(collection.fonts):
            name = font["name"].getDebugName(4) or ""
            if name.endswith(" SC") and "Mono" not in name:
                return index
    finally:
        collection.close()
    return 0


def _when(moment: object) -> str:
    if moment is None:
        return "—"
    return timezone.localtime(moment).strftime("%Y年%m月%d日 %H:%M")  # type: ignore[arg-type]


def _person(case: SupervisionCase) -> str:
    # the order is served on the enterprise: a person's name, never an account name
    if case.assignee is None:
        return "—"
    return case.assignee.get_full_name() or "—"


def supervision_order(
    case: SupervisionCase,
    *,
    unit_names: dict[str, str],
    notes: Sequence[CaseEvent] = (),
) -> bytes:
    """The supervision order of a case: details, the deadline, the responsible unit, and
    the ``notes`` shared with the enterprise (``selectors.order_notes``; never the
    bureau's own)."""
    from fpdf import FPDF
    from fpdf.enums import XPos, YPos

    font = cjk_font()
    pdf = FPDF(format="A4")
    pdf.set_title(f"督办单 {case.number}")
    pdf.set_creator("青山生态环境监管平台")
    pdf.add_font("cjk", fname=font.path, collection_font_number=font.index)
    pdf.set_auto_page_break(auto=True, margin=18)
    pdf.add_page()
    pdf.set_margins(20, 18, 20)
    pdf.set_font("cjk", size=20)
    pdf.cell(0, 14, "生态环境问题督办单", align="C", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10)
    pdf.cell(0, 7, f"编号：{case.number}", align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.ln(2)

    team = case.team_region_code or case.region_code
    rows = [
        ("案件标题", case.title),
        ("排污单位", f"{case.enterprise.name}（{case.enterprise.credit_code}）"),
        ("所在区域", unit_names.get(case.region_code, case.region_code)),
        ("来源", case.get_source_kind_display()),
        ("严重程度", case.get_severity_display()),
        ("当前环节", case.get_state_display()),
        ("承办单位", unit_names.get(team, team) + " 生态环境部门"),
        ("承办人", _person(case)),
        ("立案时间", _when(case.created_at)),
        ("办理期限", _when(case.deadline) if case.is_open else "已销号"),
    ]
    if case.resolution:
        rows.append(("办结方式", case.get_resolution_display()))
    label_width = 32
    width = pdf.epw - label_width
    for label, value in rows:
        y = pdf.get_y()
        pdf.set_font("cjk", size=11)
        pdf.set_xy(pdf.l_margin + label_width, y)
        pdf.multi_cell(
            width,
            8,
            str(value),
            border=1,
            padding=(0, 2),
            align="L",
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )
        height = pdf.get_y() - y
        pdf.set_xy(pdf.l_margin, y)
        pdf.set_fill_color(236, 244, 239)
        pdf.cell(label_width, height, label, border=1, align="C", fill=True)
        pdf.set_xy(pdf.l_margin, y + height)

    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "案件情况", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10.5)
    pdf.multi_cell(
        0,
        6.5,
        case.description or case.title,
        border=1,
        padding=2,
        align="L",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.ln(4)
    pdf.set_font("cjk", size=12)
    pdf.cell(0, 8, "督办要求", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_font("cjk", size=10.5)
    demand = (
        f"请{unit_names.get(team, team)}生态环境部门接单后立即组织现场核查，依法查处，"
        f"督促企业整改，并于 {_when(case.deadline)} 前在平台反馈办理情况。"
        "逾期未办结的，平台将自动提醒并升级督办。"
        if case.is_open
        else "本案件已办结销号，本单仅作存档。"
    )
    pdf.multi_cell(
        0, 6.5, demand, border=1, padding=2, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
    )
    if notes:
        pdf.ln(4)
        pdf.set_font("cjk", size=12)
        pdf.cell(0, 8, "办理意见", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
        pdf.set_font("cjk", size=10.5)
        text = "\n".join(
            f"{_when(n.at)} {n.get_action_display()}（{n.actor_name}）：{n.comment}" for n in notes
        )
        pdf.multi_cell(
            0, 6.5, text, border=1, padding=2, align="L", new_x=XPos.LMARGIN, new_y=YPos.NEXT
        )
    pdf.ln(14)
    pdf.set_font("cjk", size=11)
    pdf.cell(
        0,
        8,
        "督办单位（盖章）：____________________",
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.cell(
        0,
        8,
        f"签发日期：{timezone.localdate():%Y年%m月%d日}",
        align="R",
        new_x=XPos.LMARGIN,
        new_y=YPos.NEXT,
    )
    pdf.set_auto_page_break(auto=False)
    pdf.set_y(-16)
    pdf.set_font("cjk", size=8)
    pdf.set_text_color(120, 120, 120)
    pdf.cell(0, 6, f"青山生态环境监管平台 · {case.number} · 版本 {case.version}", align="C")
    return bytes(pdf.output())
