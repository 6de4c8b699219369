"""Every note and file of a case gets a visibility: bureau only, or shared with the enterprise.

Rows written before are sorted by their author: what the enterprise wrote or uploaded
itself is shared by nature; everything written by staff (or by the platform) becomes
bureau only, the safe default, since a note can name a complainant (docs/security.md) —
except the words addressed to the enterprise (an order to rectify, the reason a
rectification was sent back), which it has always read and must go on reading.
"""

from django.conf import settings
from django.db import migrations, models

ENTERPRISE = "enterprise"  # CaseRole.ENTERPRISE and Role.ENTERPRISE
SHARED_BY_DEFAULT = ["order_rectification", "reject_rectification"]  # choices.SHARED_BY_DEFAULT


def sort_existing(apps, schema_editor):
    CaseEvent = apps.get_model("supervision", "CaseEvent")
    CaseAttachment = apps.get_model("supervision", "CaseAttachment")
    CaseEvent.objects.filter(actor_role=ENTERPRISE).update(visibility="shared")
    CaseEvent.objects.exclude(actor_role=ENTERPRISE).update(visibility="bureau")
    CaseEvent.objects.filter(action__in=SHARED_BY_DEFAULT).update(visibility="shared")
    CaseAttachment.objects.update(visibility="bureau")
    CaseAttachment.objects.filter(uploaded_by__role=ENTERPRISE).update(visibility="shared")
    CaseAttachment.objects.filter(event__actor_role=ENTERPRISE).update(visibility="shared")
    CaseAttachment.objects.filter(event__action__in=SHARED_BY_DEFAULT).update(visibility="shared")


class Migration(migrations.Migration):
    dependencies = [
        ("supervision", "0002_rules"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.AddField(
            model_name="caseattachment",
            name="visibility",
            field=models.CharField(
                choices=[("bureau", "仅生态环境局内部"), ("shared", "与企业共享")],
                default="bureau",
                max_length=8,
                verbose_name="可见范围",
            ),
        ),
        migrations.AddField(
            model_name="caseevent",
            name="visibility",
            field=models.CharField(
                choices=[("bureau", "仅生态环境局内部"), ("shared", "与企业共享")],
                default="bureau",
                max_length=8,
                verbose_name="可见范围",
            ),
        ),
        migrations.AddIndex(
            model_name="caseattachment",
            index=models.Index(
                fields=["uploaded_by", "created_at"], name="case_attachment_user_time"
            ),
        ),
        migrations.AddIndex(
            model_name="caseattachment",
            index=models.Index(fields=["event", "created_at"], name="case_attachment_loose"),
        ),
        migrations.AddConstraint(
            model_name="caseattachment",
            constraint=models.CheckConstraint(
                condition=models.Q(("visibility__in", ["bureau", "shared"])),
                name="case_attachment_visibility_valid",
            ),
        ),
        migrations.AddConstraint(
            model_name="caseevent",
            constraint=models.CheckConstraint(
                condition=models.Q(("visibility__in", ["bureau", "shared"])),
                name="case_event_visibility_valid",
            ),
        ),
        migrations.RunPython(sort_existing, migrations.RunPython.noop),
    ]
