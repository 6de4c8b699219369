"""Importing rows: upsert by natural keys, each bad row reported, each row all or nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import DatabaseError, connection
from django.test.utils import CaptureQueriesContext

from qingshan.core.models import AuditLog
from qingshan.core.permissions import PermissionDenied
from qingshan.permits.models import AnnualCap, Permit, PermitLimit
from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
from qingshan.registry.passwords import device_password_matches
from tests.conftest import KEQIAO, SHANGYU, credit_code_for
from tests.exchange.conftest import (
    audit_count,
    export_bytes,
    problems_by_row,
    run_import,
    xlsx,
)


def enterprise_row(code: str, region: str = KEQIAO, **fields: object) -> dict[str, object]:
    return {
        "credit_code": code,
        "name": f"导入测试企业{code[-6:]}",
        "region_code": region,
        "industry_code": "1713",
        **fields,
    }


def new_site_rows(code: str, mn: str, region: str = KEQIAO) -> dict[str, list[dict[str, object]]]:
    """A whole new site: enterprise, outlet, point, device, permit, limit, annual cap."""
    number = f"{code}002P"
    return {
        "enterprises": [enterprise_row(code, region, is_key_discharger=True)],
        "outlets": [
            {
                "credit_code": code,
                "code": "DW001",
                "name": "废水总排口",
                "medium": "water",
                "kind": "main",
            }
        ],
        "points": [
            {
                "credit_code": code,
                "outlet_code": "DW001",
                "name": "总排口",
                "factors": ["w01018", "w21003"],
            }
        ],
        "devices": [
            {
                "credit_code": code,
                "outlet_code": "DW001",
                "point_name": "总排口",
                "mn": mn,
                "password": "abc123",
            }
        ],
        "permits": [
            {
                "number": number,
                "credit_code": code,
                "permit_class": "key",
                "valid_from": dt.date(2025, 1, 1),
                "valid_to": dt.date(2030, 1, 1),
            }
        ],
        "limits": [
            {
                "permit_number": number,
                "outlet_code": "DW001",
                "factor_code": "w01018",
                "basis": "daily",
                "limit": Decimal("50"),
                "unit": "mg/L",
            }
        ],
        "annual_caps": [{"permit_number": number, "pollutant": "w01018", "tonnes_per_year": 12.5}],
    }


def test_round_trip_changes_nothing(users):
    admin = users["admin"]
    for site in (users["keqiao"], users["shangyu"]):
        AnnualCap.objects.create(
            permit=site["permit"], pollutant="a21026", tonnes_per_year=Decimal("12.3456")
        )
    content = export_bytes(admin)
    before_audit = audit_count()
    stamps = sorted(Enterprise.objects.values_list("updated_at", flat=True))
    result = run_import(admin, content)
    assert result.problems == []
    assert result.counts["unchanged"] == result.total == 14  # 2 sites × 7 kinds
    assert result.counts["created"] == result.counts["updated"] == 0
    assert audit_count() == before_audit
    assert sorted(Enterprise.objects.values_list("updated_at", flat=True)) == stamps


def test_round_trip_for_a_county_regulator(users):
    county = users["county"]
    content = export_bytes(county)
    before = audit_count()
    result = run_import(county, content)
    assert (result.total, result.counts["unchanged"], result.failed) == (6, 6, 0)
    assert audit_count() == before


def test_a_whole_new_site_in_one_file(users):
    code = credit_code_for(KEQIAO, 700_001)
    result = run_import(users["county"], xlsx(new_site_rows(code, "MN7000010000000001")))
    assert result.problems == []
    assert result.counts["created"] == 7
    device = Device.objects.get(mn="MN7000010000000001")
    assert device.point.outlet.enterprise.credit_code == code
    assert device_password_matches("abc123", device.password_digest)
    limit = PermitLimit.objects.get(permit__number=f"{code}002P")
    assert limit.limit == Decimal("50") and limit.outlet.code == "DW001"
    assert AnnualCap.objects.get(permit__number=f"{code}002P").tonnes_per_year == Decimal("12.5")
    audits = AuditLog.objects.filter(via="import", actor=users["county"])
    assert audits.filter(action="create").count() == 7


def test_reimporting_the_same_file_changes_nothing(users):
    code = credit_code_for(KEQIAO, 700_002)
    content = xlsx(new_site_rows(code, "MN7000020000000001"))
    assert run_import(users["admin"], content).counts["created"] == 7
    before = audit_count()
    again = run_import(users["admin"], content)
    assert again.counts["unchanged"] == 7 and again.failed == 0
    assert audit_count() == before


def test_update_changes_and_audits_only_the_changed_field(users):
    enterprise = users["keqiao"]["enterprise"]
    row = {
        "credit_code": enterprise.credit_code,
        "name": "改名后的印染公司",
        "region_code": enterprise.region_code,
        "industry_code": enterprise.industry_code,
    }
    result = run_import(users["county"], xlsx({"enterprises": [row]}))
    assert result.counts["updated"] == 1, result.problems
    enterprise.refresh_from_db()
    assert enterprise.name == "改名后的印染公司"
    assert enterprise.is_key_discharger  # an empty "keep" column leaves the value alone
    audit = AuditLog.objects.filter(object_type="registry.enterprise").latest("id")
    assert audit.via == "import" and audit.actor == users["county"]
    # the export's empty optional cells clear; here address etc. were already blank
    assert set(audit.changes) == {"name"}


def test_bad_rows_are_reported_and_good_rows_imported(users):
    county = users["county"]
    keqiao, shangyu = users["keqiao"], users["shangyu"]
    good = credit_code_for(KEQIAO, 700_003)
    wrong_check = credit_code_for(KEQIAO, 700_004)[:17] + "0"
    if wrong_check == credit_code_for(KEQIAO, 700_004):
        wrong_check = wrong_check[:17] + "1"
    outlet = keqiao["outlet"]
    ent = keqiao["enterprise"]
    rows = {
        "enterprises": [
            enterprise_row(good),  # row 3: good
            enterprise_row(wrong_check),  # row 4: wrong check character
            enterprise_row(credit_code_for(SHANGYU, 700_005), SHANGYU),  # row 5: other county
        ],
        "points": [
            {
                "credit_code": ent.credit_code,
                "outlet_code": outlet.code,
                "name": "新监控点",
                "factors": ["a21026"],
            },  # row 3: good
            {
                "credit_code": ent.credit_code,
                "outlet_code": outlet.code,
                "name": "坏监控点",
                "factors": ["a21026", "zz999"],
            },  # row 4: unknown factor code
        ],
        "devices": [
            {
                "credit_code": ent.credit_code,
                "outlet_code": outlet.code,
                "point_name": "新监控点",
                "mn": shangyu["device"].mn,
                "password": "x1",
            },  # row 3: MN of another device
        ],
        "permits": [
            {
                "number": "PERMIT-BAD-DATES",
                "credit_code": ent.credit_code,
                "permit_class": "key",
                "valid_from": dt.date(2026, 1, 1),
                "valid_to": dt.date(2025, 1, 1),
            },  # row 3
        ],
        "limits": [
            {
                "permit_number": keqiao["permit"].number,
                "outlet_code": outlet.code,
                "factor_code": "qq000",
                "basis": "hourly",
                "limit": 10,
                "unit": "mg/m3",
            },  # row 3
        ],
    }
    before = audit_count()
    result = run_import(county, xlsx(rows))
    problems = problems_by_row(result)
    assert set(problems) == {
        ("排污单位", 4),
        ("排污单位", 5),
        ("监控点", 4),
        ("数采仪", 3),
        ("排污许可证", 3),
        ("许可限值", 3),
    }
    assert "校验码错误" in problems[("排污单位", 4)]
    assert "统一社会信用代码" in problems[("排污单位", 4)]
    assert "无权修改该辖区（330604）" in problems[("排污单位", 5)]
    assert "zz999" in problems[("监控点", 4)] and "监测因子" in problems[("监控点", 4)]
    assert "已被其他监控点的数采仪使用" in problems[("数采仪", 3)]
    assert "有效期止必须晚于有效期起" in problems[("排污许可证", 3)]
    assert "未知的监测因子编码 'qq000'" in problems[("许可限值", 3)]
    assert (result.counts["created"], result.failed) == (2, 6)
    assert Enterprise.objects.filter(credit_code=good).exists()
    assert not Enterprise.objects.filter(credit_code=wrong_check).exists()
    assert MonitoringPoint.objects.filter(name="新监控点").exists()
    assert not MonitoringPoint.objects.filter(name="坏监控点").exists()
    assert not Permit.objects.filter(number="PERMIT-BAD-DATES").exists()
    assert Device.objects.get(mn=shangyu["device"].mn).point == shangyu["point"]
    assert audit_count() == before + 2


def test_missing_parent_and_duplicate_rows(users):
    code = credit_code_for(KEQIAO, 700_006)
    rows = {
        "enterprises": [enterprise_row(code), enterprise_row(code, name="同一代码又一行")],
        "outlets": [
            {
                "credit_code": credit_code_for(KEQIAO, 700_007),
                "code": "DA001",
                "name": "无主",
                "medium": "air",
                "kind": "main",
            },
        ],
        "limits": [
            {
                "permit_number": "NO-SUCH-PERMIT",
                "outlet_code": "DA001",
                "factor_code": "a21026",
                "basis": "hourly",
                "limit": 10,
                "unit": "mg/m3",
            },
        ],
    }
    problems = problems_by_row(run_import(users["admin"], xlsx(rows)))
    assert "与本表第 3 行重复" in problems[("排污单位", 4)]
    assert "未找到统一社会信用代码为" in problems[("排放口", 3)]
    assert "未找到编号为 NO-SUCH-PERMIT 的排污许可证" in problems[("许可限值", 3)]
    assert Enterprise.objects.get(credit_code=code).name != "同一代码又一行"


def test_a_limit_for_an_outlet_of_another_enterprise_is_refused(users):
    permit = users["keqiao"]["permit"]
    rows = {
        "limits": [
            {
                "permit_number": permit.number,
                "outlet_code": "DW009",
                "factor_code": "a21026",
                "basis": "daily",
                "limit": 10,
                "unit": "mg/m3",
            },
        ]
    }
    result = run_import(users["admin"], xlsx(rows))
    assert "没有编号为 DW009 的排放口" in result.problems[0].reason


def test_a_row_is_all_or_nothing(users, monkeypatch):
    """When the row's last write fails, its earlier writes and audit rows are undone."""
    from qingshan.registry import services

    def broken_event(**kwargs: object) -> None:
        raise DatabaseError("outbox unavailable")

    monkeypatch.setattr(services, "event_record", broken_event)
    code = credit_code_for(KEQIAO, 700_008)
    ent = users["keqiao"]["enterprise"]
    rows = {
        "enterprises": [enterprise_row(code)],
        "outlets": [
            {
                "credit_code": ent.credit_code,
                "code": "DA009",
                "name": "新排口",
                "medium": "air",
                "kind": "general",
            },
        ],
    }
    before = audit_count()
    result = run_import(users["admin"], xlsx(rows))
    # the user reads what happened in Chinese; the database's own words go to the log
    assert result.problems[0].row == 3 and "数据库拒绝了该行" in result.problems[0].reason
    assert not Enterprise.objects.filter(credit_code=code).exists()
    assert Outlet.objects.filter(enterprise=ent, code="DA009").exists()
    assert audit_count() == before + 1  # only the outlet's


def test_a_failed_update_leaves_the_record_usable_by_later_rows(users):
    ent = users["keqiao"]["enterprise"]
    bad = enterprise_row(ent.credit_code, industry_code="bad!", name="不应保存")
    rows = {
        "enterprises": [bad],
        "outlets": [
            {
                "credit_code": ent.credit_code,
                "code": "DA010",
                "name": "新排口",
                "medium": "air",
                "kind": "general",
            },
        ],
    }
    result = run_import(users["admin"], xlsx(rows))
    assert [p.sheet for p in result.problems] == ["排污单位"]
    assert "国民经济行业代码格式不正确" in result.problems[0].reason
    ent.refresh_from_db()
    assert ent.name != "不应保存"
    assert Outlet.objects.filter(enterprise=ent, code="DA010").exists()


def test_device_passwords(users):
    site = users["keqiao"]
    ent, outlet, point, device = site["enterprise"], site["outlet"], site["point"], site["device"]
    where = {"credit_code": ent.credit_code, "outlet_code": outlet.code, "point_name": point.name}
    rows = {
        "devices": [
            {**where, "mn": "MNNEW00000000000001"},  # new without password
            {**where, "mn": device.mn, "password": "123456"},  # same password: unchanged
        ]
    }
    result = run_import(users["admin"], xlsx(rows))
    assert "新建数采仪必须设置访问密码" in result.problems[0].reason
    assert result.counts["unchanged"] == 1
    digest = Device.objects.get(pk=device.pk).password_digest
    result = run_import(
        users["admin"], xlsx({"devices": [{**where, "mn": device.mn, "password": "654321"}]})
    )
    assert result.counts["updated"] == 1
    device.refresh_from_db()
    assert device.password_digest != digest
    assert device_password_matches("654321", device.password_digest)
    audit = AuditLog.objects.filter(object_type="registry.device").latest("id")
    assert audit.changes == {"password_digest": ["***", "***"]}


def test_a_device_s_offline_interval_is_set_refused_when_not_whole_and_cleared(users):
    site = users["keqiao"]
    ent, outlet, point, device = site["enterprise"], site["outlet"], site["point"], site["device"]
    row = {
        "credit_code": ent.credit_code,
        "outlet_code": outlet.code,
        "point_name": point.name,
        "mn": device.mn,
    }
    result = run_import(users["admin"], xlsx({"devices": [{**row, "offline_after_minutes": 90}]}))
    assert result.counts["updated"] == 1
    device.refresh_from_db()
    assert device.offline_after_minutes == 90

    for bad, reason in ((90.5, "应为整数"), (0, "1"), ("一小时", "应为数字")):
        result = run_import(
            users["admin"], xlsx({"devices": [{**row, "offline_after_minutes": bad}]})
        )
        assert reason in result.problems[0].reason, (bad, result.problems[0].reason)
    device.refresh_from_db()
    assert device.offline_after_minutes == 90

    # an empty cell: back to the jurisdiction's rule
    result = run_import(users["admin"], xlsx({"devices": [row]}))
    device.refresh_from_db()
    assert result.counts["updated"] == 1 and device.offline_after_minutes is None


def test_limits_and_caps_update_in_place(users):
    site = users["keqiao"]
    limit = site["limit"]
    row = {
        "permit_number": site["permit"].number,
        "outlet_code": site["outlet"].code,
        "factor_code": limit.factor_code,
        "basis": limit.basis,
        "limit": 30,
        "unit": limit.unit,
        "reference_o2": 6,
    }
    result = run_import(users["regulator"], xlsx({"limits": [row]}))
    assert result.counts["updated"] == 1, result.problems
    assert PermitLimit.objects.get(pk=limit.pk).limit == Decimal("30")
    assert PermitLimit.objects.filter(permit=site["permit"]).count() == 1


@pytest.mark.parametrize("role", ["inspector", "enterprise"])
def test_only_admins_and_regulators_import(users, role):
    with pytest.raises(PermissionDenied):
        run_import(users[role], xlsx({"enterprises": []}))


def test_reimport_does_not_look_up_row_by_row(users):
    """Existing records are loaded in bulk: no SELECT per row (only each row's savepoint)."""
    rows = [enterprise_row(credit_code_for(KEQIAO, 710_000 + n)) for n in range(300)]
    content = xlsx({"enterprises": rows})
    assert run_import(users["admin"], content).counts["created"] == 300
    with CaptureQueriesContext(connection) as queries:
        result = run_import(users["admin"], content)
    assert result.counts["unchanged"] == 300
    selects = [q["sql"] for q in queries.captured_queries if q["sql"].startswith("SELECT")]
    assert len(selects) <= 5
