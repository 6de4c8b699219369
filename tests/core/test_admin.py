import pytest
from django.contrib import admin
from django.urls import reverse

from qingshan.core.models import User


@pytest.fixture
def superuser(db):
    return User.objects.create_superuser("root", password="pw-for-tests", role="admin")


def test_every_registered_changelist_opens_for_the_administrator(client, superuser, users):
    client.force_login(superuser)
    for model in admin.site._registry:
        url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
        assert client.get(url).status_code == 200, url


def test_logs_cannot_be_edited_in_the_admin(client, superuser, users):
    client.force_login(superuser)
    assert client.get(reverse("admin:core_auditlog_add")).status_code == 403


def test_regulators_are_kept_out_of_the_admin(client, users):
    client.force_login(users["regulator"])
    assert client.get(reverse("admin:index")).status_code == 302
