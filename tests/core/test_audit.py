from qingshan.core.audit import audit_context, history_for
from qingshan.core.models import AuditLog
from qingshan.registry.models import Enterprise


def test_create_update_delete_are_audited_with_who_where_and_changes(users):
    admin = users["admin"]
    enterprise = users["keqiao"]["enterprise"]
    with audit_context(user=admin, ip_address="10.1.2.3", via="web"):
        enterprise = Enterprise.objects.get(pk=enterprise.pk)
        enterprise.name = "新名称印染有限公司"
        enterprise.save()
    entry = history_for(enterprise).first()
    assert entry.action == "update"
    assert entry.actor == admin and entry.ip_address == "10.1.2.3" and entry.via == "web"
    assert list(entry.changes) == ["name"]
    assert entry.changes["name"][1] == "新名称印染有限公司"


def test_saving_without_change_writes_no_audit_row(users):
    enterprise = Enterprise.objects.get(pk=users["keqiao"]["enterprise"].pk)
    before = AuditLog.objects.count()
    enterprise.save()
    assert AuditLog.objects.count() == before


def test_device_password_never_appears_in_the_audit_log(users):
    device = users["keqiao"]["device"]
    rows = AuditLog.objects.filter(object_type="registry.device", object_id=str(device.pk))
    assert rows.exists()
    for row in rows:
        assert row.changes["password_digest"][1] == "***"


def test_delete_is_audited_with_the_old_values(users):
    point = users["keqiao"]["point"]
    pk = point.pk
    point.delete()
    entry = AuditLog.objects.filter(
        object_type="registry.monitoringpoint", object_id=str(pk)
    ).first()
    assert entry.action == "delete"
    assert entry.changes["name"] == ["锅炉出口", None]
