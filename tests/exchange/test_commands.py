"""`import_registry` and `export_registry`."""

from __future__ import annotations

import openpyxl
import pytest
from django.core.management import CommandError, call_command

from qingshan.core.models import AuditLog
from tests.conftest import KEQIAO, credit_code_for
from tests.exchange.conftest import xlsx


def test_export_then_import_round_trip(users, tmp_path, capsys):
    out = tmp_path / "registry.xlsx"
    call_command("export_registry", str(out), user=users["regulator"].username)
    before = AuditLog.objects.count()
    call_command("import_registry", str(out), user=users["regulator"].username)
    printed = capsys.readouterr().out
    assert "12/12 (100%)" in printed
    assert "共 12 行：新增 0，更新 0，未变化 12，失败 0" in printed
    assert AuditLog.objects.count() == before


def test_failed_rows_exit_1_and_write_the_report(users, tmp_path, capsys):
    source = tmp_path / "in.xlsx"
    bad = credit_code_for(KEQIAO, 740_001)[:17] + "?"
    source.write_bytes(
        xlsx(
            {
                "enterprises": [
                    {
                        "credit_code": credit_code_for(KEQIAO, 740_002),
                        "name": "命令行企业",
                        "region_code": KEQIAO,
                        "industry_code": "1713",
                    },
                    {
                        "credit_code": bad,
                        "name": "坏代码",
                        "region_code": KEQIAO,
                        "industry_code": "1713",
                    },
                ]
            }
        )
    )
    report = tmp_path / "errors.xlsx"
    with pytest.raises(CommandError, match="1 行导入失败") as raised:
        call_command(
            "import_registry", str(source), user=users["admin"].username, report=str(report)
        )
    assert raised.value.returncode == 1
    captured = capsys.readouterr()
    assert "新增 1" in captured.out and "排污单位 第 4 行" in captured.err
    rows = list(openpyxl.load_workbook(report).active.iter_rows(min_row=2, values_only=True))
    assert rows[0][:2] == ("排污单位", 4)
    assert AuditLog.objects.filter(via="import", actor=users["admin"]).count() == 1


def test_refusals(users, tmp_path):
    source = tmp_path / "in.xlsx"
    source.write_bytes(b"not a workbook")
    with pytest.raises(CommandError, match=r"不是 \.xlsx 文件"):
        call_command("import_registry", str(source), user=users["admin"].username)
    with pytest.raises(CommandError, match="没有名为"):
        call_command("import_registry", str(source), user="nobody")
    source.write_bytes(xlsx({}))
    with pytest.raises(CommandError, match="只有局管理员和监管人员"):
        call_command("import_registry", str(source), user=users["inspector"].username)
    with pytest.raises(CommandError, match="文件不存在"):
        call_command("import_registry", str(tmp_path / "nope.xlsx"), user=users["admin"].username)
