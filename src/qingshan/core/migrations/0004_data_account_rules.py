"""National defaults of the login throttle and of API token lifetimes (issue 16).

Five failures against one account, or twenty from one address (a bureau's staff often
share one outgoing address), lock that account or address for 30 minutes: the practice
of GB/T 22239-2019 (等保 2.0) 8.1.4.1 b, "应具有登录失败处理功能，应配置并启用结束会话、
限制非法登录次数……". A token lives at most 90 days. A province may set stricter rows.
"""

import datetime as dt

from django.db import migrations

from qingshan.core.rules import rules_seed, rules_unseed

SINCE = dt.date(2019, 12, 1)  # GB/T 22239-2019 in force

SOURCE = "GB/T 22239-2019 8.1.4.1 b（登录失败处理）；青山平台默认值，待主管部门确认"

RULES = [
    ("core.login_failure_limit", 5, SOURCE),
    ("core.login_failure_limit_per_address", 20, SOURCE),
    ("core.login_lockout_minutes", 30, SOURCE),
    ("core.api_token_lifetime_days", 90, "青山平台默认值（API 令牌最长有效期），待主管部门确认"),
]


def seed(apps, schema_editor):
    rules_seed(apps, RULES, since=SINCE)


def unseed(apps, schema_editor):
    rules_unseed(apps, RULES, since=SINCE)


class Migration(migrations.Migration):
    dependencies = [("core", "0003_accounts_tokens_lockouts")]
    operations = [migrations.RunPython(seed, unseed)]
