"""API tokens get a name, an expiry and a revocation time; failed logins get an admin
page (a proxy of django-axes' table); the audit log gets the account events (issue 16).

Tokens issued before this migration expire 90 days after they were issued (the seeded
``core.api_token_lifetime_days``), so a token already older than that dies at once.
"""

import datetime as dt

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

LIFETIME = dt.timedelta(days=90)


def expire_existing(apps, schema_editor):
    ApiToken = apps.get_model("core", "ApiToken")
    for token in ApiToken.objects.filter(expires_at__isnull=True):
        token.expires_at = token.created_at + LIFETIME
        token.save(update_fields=["expires_at"])


class Migration(migrations.Migration):
    dependencies = [
        ("axes", "0010_accessattemptexpiration"),
        ("core", "0002_event_cursor"),
    ]

    operations = [
        migrations.CreateModel(
            name="LoginAttempt",
            fields=[],
            options={
                "verbose_name": "登录失败与锁定",
                "verbose_name_plural": "登录失败与锁定",
                "proxy": True,
                "indexes": [],
                "constraints": [],
            },
            bases=("axes.accessattempt",),
        ),
        migrations.AlterModelOptions(
            name="apitoken",
            options={
                "ordering": ["-created_at", "-id"],
                "verbose_name": "API 令牌",
                "verbose_name_plural": "API 令牌",
            },
        ),
        migrations.AddField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(null=True, verbose_name="到期时间"),
        ),
        migrations.RunPython(expire_existing, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="apitoken",
            name="expires_at",
            field=models.DateTimeField(verbose_name="到期时间"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="name",
            field=models.CharField(blank=True, max_length=100, verbose_name="名称"),
        ),
        migrations.AddField(
            model_name="apitoken",
            name="revoked_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="撤销时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="created_at",
            field=models.DateTimeField(auto_now_add=True, verbose_name="签发时间"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="last_used_at",
            field=models.DateTimeField(blank=True, null=True, verbose_name="最近使用"),
        ),
        migrations.AlterField(
            model_name="apitoken",
            name="user",
            field=models.ForeignKey(
                on_delete=django.db.models.deletion.CASCADE,
                related_name="api_tokens",
                to=settings.AUTH_USER_MODEL,
                verbose_name="用户",
            ),
        ),
        migrations.AlterField(
            model_name="auditlog",
            name="action",
            field=models.CharField(
                choices=[
                    ("create", "新建"),
                    ("update", "修改"),
                    ("delete", "删除"),
                    ("login", "登录"),
                    ("login_failed", "登录失败"),
                    ("lockout", "登录锁定"),
                    ("unlock", "解除锁定"),
                    ("token_issue", "签发令牌"),
                    ("token_revoke", "撤销令牌"),
                ],
                max_length=16,
                verbose_name="动作",
            ),
        ),
    ]
