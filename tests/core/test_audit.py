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


def test_a_role_change_is_audited_a_login_time_is_not(users):
    from django.utils import timezone

    from qingshan.core.models import User

    county = User.objects.get(pk=users["county"].pk)
    with audit_context(user=users["admin"], ip_address="10.1.2.3", via="web"):
        county.role, county.is_superuser = "admin", True
        county.save()
        county.last_login = timezone.now()
        county.save(update_fields=["last_login"])
    entries = list(history_for(county).filter(action="update"))
    assert [e.changes for e in entries] == [
        {"role": ["regulator", "admin"], "is_superuser": [False, True]}
    ]


def test_a_field_not_loaded_is_not_recorded_as_changed(users):
    pk = users["keqiao"]["enterprise"].pk
    enterprise = Enterprise.objects.only("name").get(pk=pk)
    enterprise.name = "只改名称印染有限公司"
    enterprise.save(update_fields=["name"])
    assert history_for(enterprise).first().changes == {
        "name": [users["keqiao"]["enterprise"].name, "只改名称印染有限公司"]
    }


def test_group_membership_from_either_side_is_audited(users):
    from django.contrib.auth.models import Group

    group = Group.objects.create(name="复核组")
    county = users["county"]
    group.user_set.add(county)
    county.groups.remove(group)
    rows = [
        (e.object_type, e.changes)
        for e in AuditLog.objects.filter(action="update").order_by("pk")
        if "user_set" in e.changes or "groups" in e.changes
    ]
    assert rows == [
        ("auth.group", {"user_set": [[], [county.username]]}),
        ("core.user", {"groups": [["复核组"], []]}),
    ]
