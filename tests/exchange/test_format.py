"""The workbook format: template, export, cell types, and malformed files refused whole."""

from __future__ import annotations

import datetime as dt
import io
import zipfile

import openpyxl
import pytest

from qingshan.exchange.reader import WorkbookError
from qingshan.exchange.sheets import SHEETS
from qingshan.exchange.writer import registry_workbook, workbook_bytes
from qingshan.registry.models import Device, Enterprise
from tests.conftest import KEQIAO, credit_code_for
from tests.exchange.conftest import audit_count, export_bytes, run_import, sheet_rows, xlsx


def test_template_has_every_sheet_headers_dropdowns_and_instructions():
    book = openpyxl.load_workbook(io.BytesIO(workbook_bytes(registry_workbook())))
    assert book.sheetnames == ["填写说明", *(s.title for s in SHEETS)]
    ws = book["排放口"]
    assert [c.value for c in ws[1]] == [
        "统一社会信用代码*",
        "排放口编号*",
        "名称*",
        "类别*",
        "类型*",
        "排放方式",
        "注销时间",
        "注销原因",
    ]
    assert [c.value for c in ws[2]] == [
        "credit_code",
        "code",
        "name",
        "medium",
        "kind",
        "emission_mode",
        "retired_at",
        "retired_reason",
    ]
    assert ws.row_dimensions[2].hidden
    lists = {dv.formula1 for dv in ws.data_validations.dataValidation}
    assert '"废气,废水"' in lists and '"主要排放口,一般排放口"' in lists
    help_text = "\n".join(str(r[0]) for r in book["填写说明"].iter_rows(values_only=True))
    assert "按关键字更新" in help_text


def test_export_is_scoped_and_has_no_passwords(users):
    content = export_bytes(users["enterprise"])
    own = users["keqiao"]["enterprise"].credit_code
    assert [r[0] for r in sheet_rows(content, "排污单位")] == [own]
    devices = sheet_rows(content, "数采仪")
    mn = users["keqiao"]["device"].mn
    assert devices == [(own, "DA001", "锅炉出口", mn, "是", None, None, None, None)]
    digest = users["keqiao"]["device"].password_digest
    assert digest.encode() not in _all_xml(content)
    outlets = sheet_rows(content, "排放口")
    assert outlets == [(own, "DA001", "锅炉废气排放口", "废气", "主要排放口", "有组织", None, None)]
    permits = sheet_rows(content, "排污许可证")
    assert permits[0][2:] == ("重点管理", dt.datetime(2024, 1, 1), dt.datetime(2029, 1, 1), "有效")


def _all_xml(content: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return b"".join(archive.read(name) for name in archive.namelist())


def test_numbers_and_dates_typed_by_excel_are_accepted(users):
    """A hand-made file: Chinese headers only, codes typed as numbers, dates as text."""
    book = openpyxl.Workbook()
    ws = book.active
    ws.title = "排污单位"
    ws.append(["统一社会信用代码", "名称", "行政区划代码", "行业代码", "重点排污单位"])
    code = credit_code_for(KEQIAO, 720_001)
    ws.append([code, "手工表格企业", 330603, 1713, "否"])
    site = users["keqiao"]
    devices = book.create_sheet("数采仪")
    devices.append(["统一社会信用代码", "排放口编号", "监控点名称", "设备唯一标识 MN", "访问密码"])
    devices.append([site["enterprise"].credit_code, "DA001", "锅炉出口", 88888880000001, 123456])
    permits = book.create_sheet("排污许可证")
    permits.append(["许可证编号", "统一社会信用代码", "管理类别", "有效期起", "有效期止"])
    permits.append(["P-TEXT-DATES", code, "简化管理", "2025-01-01", dt.datetime(2030, 1, 1)])
    buffer = io.BytesIO()
    book.save(buffer)
    result = run_import(users["admin"], buffer.getvalue())
    assert result.problems == []
    enterprise = Enterprise.objects.get(credit_code=code)
    assert (enterprise.region_code, enterprise.industry_code) == ("330603", "1713")
    assert not enterprise.is_key_discharger
    assert Device.objects.filter(mn="88888880000001").exists()
    assert enterprise.permits.get().valid_from == dt.date(2025, 1, 1)


def test_a_long_code_excel_turned_into_a_number_is_explained(users):
    rows = {
        "enterprises": [
            {
                "credit_code": 913306031234567891,
                "name": "数字代码",
                "region_code": "330603",
                "industry_code": "1713",
            }
        ]
    }
    result = run_import(users["admin"], xlsx(rows))
    assert "丢失了末几位" in result.problems[0].reason


def test_bad_cells_are_row_errors_with_the_column(users):
    code = credit_code_for(KEQIAO, 720_002)
    rows = {
        "enterprises": [
            {
                "credit_code": code,
                "name": "x",
                "region_code": "330603",
                "industry_code": "1713",
                "is_key_discharger": "也许",
                "longitude": "东经120度",
            }
        ],
        "permits": [
            {
                "number": "P-BAD",
                "credit_code": code,
                "permit_class": "超级管理",
                "valid_from": "2025-13-01",
                "valid_to": "2026-01-01",
            }
        ],
    }
    problems = {p.sheet: p.reason for p in run_import(users["admin"], xlsx(rows)).problems}
    assert "重点排污单位：应为“是”或“否”" in problems["排污单位"]
    assert "经度：应为数字" in problems["排污单位"]
    assert "管理类别：取值 '超级管理' 不在可选项中" in problems["排污许可证"]
    assert "有效期起：日期格式不正确" in problems["排污许可证"]


def _workbook(*sheets: tuple[str, list[list[object]]]) -> bytes:
    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets:
        ws = book.create_sheet(title)
        for row in rows:
            ws.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


HEADER = ["统一社会信用代码", "名称", "行政区划代码", "行业代码"]
GOOD_ROW = [credit_code_for(KEQIAO, 720_010), "好企业", "330603", "1713"]


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"credit_code,name\n1,2\n", "不是 .xlsx 文件"),
        (b"", "不是 .xlsx 文件"),
        (_workbook(("排污单位", [HEADER, GOOD_ROW]))[:2000], "不是 .xlsx 文件"),
        (_workbook(("企业名录", [HEADER, GOOD_ROW])), "未知的工作表“企业名录”"),
        (
            _workbook(("排污单位", [HEADER[:2], GOOD_ROW[:2]])),
            "缺少必填列：行政区划代码、行业代码",
        ),
        (_workbook(("排污单位", [[*HEADER, "备注"], GOOD_ROW])), "未知的列“备注”"),
        (_workbook(("排污单位", [HEADER, [*GOOD_ROW[:3], "=1700+13"]])), "D2 含有公式"),
        (_workbook(("排污单位", [HEADER, [*GOOD_ROW, "无表头的值"]])), "没有表头的列"),
        (_workbook(("排污单位", [HEADER, GOOD_ROW]), ("enterprises", [HEADER])), "重复"),
    ],
    ids=[
        "csv",
        "empty",
        "truncated",
        "sheet",
        "missing",
        "unknown-col",
        "formula",
        "stray",
        "twice",
    ],
)
def test_malformed_files_are_refused_whole(users, content, message):
    before = (audit_count(), Enterprise.objects.count())
    with pytest.raises(WorkbookError, match=message):
        run_import(users["admin"], content)
    assert (audit_count(), Enterprise.objects.count()) == before


def test_a_corrupt_zip_is_refused(users):
    content = bytearray(_workbook(("排污单位", [HEADER, GOOD_ROW])))
    middle = len(content) // 2
    content[middle : middle + 200] = b"\0" * 200
    with pytest.raises(WorkbookError):
        run_import(users["admin"], bytes(content))
    assert not Enterprise.objects.filter(credit_code=GOOD_ROW[0]).exists()


def test_too_large_and_too_many_rows(users, settings):
    content = _workbook(("排污单位", [HEADER, GOOD_ROW, GOOD_ROW, GOOD_ROW]))
    settings.QINGSHAN_IMPORT_MAX_BYTES = len(content) - 1
    with pytest.raises(WorkbookError, match="文件过大"):
        run_import(users["admin"], content)
    settings.QINGSHAN_IMPORT_MAX_BYTES = 10 * len(content)
    settings.QINGSHAN_IMPORT_MAX_ROWS = 2
    with pytest.raises(WorkbookError, match="数据行数超过上限 2 行"):
        run_import(users["admin"], content)
    assert not Enterprise.objects.filter(credit_code=GOOD_ROW[0]).exists()


def test_an_emptied_sheet_is_skipped(users):
    content = _workbook(("排污单位", [HEADER, GOOD_ROW]), ("排放口", []))
    result = run_import(users["admin"], content)
    assert (result.total, result.counts["created"]) == (1, 1)
