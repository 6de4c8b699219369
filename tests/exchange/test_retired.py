"""Retired records in the workbook (issue 15): exported and marked, never changed or
brought back by an import."""

from __future__ import annotations

from qingshan.registry.models import Device, Outlet
from qingshan.registry.retirement import record_retire
from tests.exchange.conftest import audit_count, export_bytes, run_import, sheet_rows, xlsx


def test_the_export_marks_retired_records_and_reimporting_it_changes_nothing(users):
    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["outlet"], reason="排放口封堵")
    content = export_bytes(users["county"])
    [outlet] = sheet_rows(content, "排放口")
    assert outlet[-1] == "排放口封堵" and outlet[-2]  # 注销原因, 注销时间
    [device] = sheet_rows(content, "数采仪")
    assert device[4] == "否" and device[-1] == "排放口封堵"
    [enterprise] = sheet_rows(content, "排污单位")
    assert enterprise[-2:] == (None, None)  # in use
    before = audit_count()
    result = run_import(users["county"], content)
    assert result.failed == 0 and result.counts["unchanged"] == result.total
    assert audit_count() == before


def test_an_import_neither_reinstates_nor_changes_a_retired_record(users):
    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["point"], reason="点位撤除")
    code = site["enterprise"].credit_code
    device_row = {
        "credit_code": code,
        "outlet_code": "DA001",
        "point_name": "锅炉出口",
        "mn": site["device"].mn,
        "is_active": True,  # switching a retired logger back on
        "retired_at": "",  # emptied in the file: ignored
    }
    new_device = device_row | {"mn": "MN0000UNDERRETIRED", "password": "abc123"}
    result = run_import(users["county"], xlsx({"devices": [device_row, new_device]}))
    assert result.failed == 2 and result.counts["created"] == 0
    reasons = " ".join(p.reason for p in result.problems)
    assert "已注销" in reasons
    device = Device.objects.get(pk=site["device"].pk)
    assert device.is_active is False and device.retired_at is not None
    assert not Device.objects.filter(mn="MN0000UNDERRETIRED").exists()


def test_a_retired_outlet_named_again_unchanged_is_left_alone(users):
    site = users["keqiao"]
    record_retire(user=users["county"], obj=site["outlet"], reason="封堵")
    row = {
        "credit_code": site["enterprise"].credit_code,
        "code": "DA001",
        "name": "锅炉废气排放口",
        "medium": "air",
        "kind": "main",
    }
    result = run_import(users["county"], xlsx({"outlets": [row, row | {"code": "DA002"}]}))
    assert result.counts["unchanged"] == 1 and result.counts["created"] == 1
    assert Outlet.objects.get(pk=site["outlet"].pk).retired_at is not None
