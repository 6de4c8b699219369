"""The API never answers 5xx, and a refused request stores nothing: a property test over
every operation of the OpenAPI document (schemathesis generates the requests).

For each operation, as the administrator and as an enterprise user, schemathesis makes
requests that fit the schema (positive mode) and requests that break it (negative mode:
wrong types, missing fields, extra fields, control characters, out-of-range numbers).
Half of them name a real record in the path, so the bodies reach the services rather
than stopping at a 404. Each request runs in a savepoint that is rolled back, so every
example starts from the same data.

``QINGSHAN_FUZZ_EXAMPLES=200`` (and a random seed) for a long run by hand; the suite runs
a few derandomised examples per operation to stay near a minute.
"""

from __future__ import annotations

import json
import os
import traceback
import urllib.parse
from decimal import Decimal
from typing import Any

import pytest
import schemathesis
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection, transaction
from django.test import Client
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis.generation.modes import GenerationMode

from qingshan.api import api
from qingshan.core.models import AuditLog
from qingshan.quality import services as quality_services
from tests.conftest import client_for
from tests.supervision import conftest as supervision_fixtures

pytestmark = pytest.mark.django_db

# the supervision tests' fixtures, used here by name
make_alarm = supervision_fixtures.make_alarm
media_root = supervision_fixtures.media_root

EXAMPLES = int(os.environ.get("QINGSHAN_FUZZ_EXAMPLES", "10"))
RANDOM = "QINGSHAN_FUZZ_EXAMPLES" in os.environ

SCHEMA = schemathesis.openapi.from_dict(api.get_openapi_schema())
OPERATIONS = [result.ok() for result in SCHEMA.get_all_operations()]


class Rollback(Exception):
    """Leaves the savepoint of one example, undoing what the request stored."""


# what a refusal itself leaves in the audit log (a failed login is recorded, by design)
REFUSAL_RECORDS = {"login_failed", "lockout"}


def table_counts() -> tuple[int, ...]:
    """The row count of every Qingshan table, in one query, and the audit rows that are
    not the record of a refusal."""
    tables = [
        m._meta.db_table
        for m in apps.get_models()
        if m.__module__.startswith("qingshan.")
        and not m._meta.proxy
        and m._meta.managed
        and m is not AuditLog
    ]
    quote = connection.ops.quote_name
    sql = "SELECT " + ", ".join(f"(SELECT COUNT(*) FROM {quote(t)})" for t in tables)
    with connection.cursor() as cursor:
        cursor.execute(sql)
        counts = tuple(cursor.fetchone())
    return (*counts, AuditLog.objects.exclude(action__in=REFUSAL_RECORDS).count())


def records(users: dict[str, Any], make_alarm: Any) -> dict[str, int]:
    """A record of each kind the paths name (``/kind/{pk}``), visible to both users."""
    from qingshan.core.models import ApiToken
    from qingshan.monitoring.models import AnomalyDeclaration
    from qingshan.supervision import services as supervision

    site = users["keqiao"]
    alarm = make_alarm(site)
    case = supervision.case_open_from_alarm(user=None, alarm=make_alarm(site))
    station = quality_services.station_create(
        user=users["regulator"],
        data={
            "code": "F01",
            "name": "模糊测试站",
            "region_code": "330603",
            "level": "city",
            "longitude": Decimal("120.5"),
            "latitude": Decimal("30.0"),
        },
    )
    declaration = AnomalyDeclaration.objects.filter(point=site["point"]).first()
    ids = {
        "enterprises": site["enterprise"].pk,
        "outlets": site["outlet"].pk,
        "points": site["point"].pk,
        "devices": site["device"].pk,
        "permits": site["permit"].pk,
        "alarms": alarm.pk,
        "cases": case.pk,
        "stations": station.pk,
    }
    if declaration is not None:
        ids["declarations"] = declaration.pk
    token = ApiToken.objects.filter(user=users["admin"]).first()
    if token is not None:
        ids["tokens"] = token.pk
    return ids


def kind_of(path: str) -> str:
    """``/api/v1/quality/stations/{pk}/hours`` → ``stations``."""
    parts = path.split("/")
    return parts[parts.index("{pk}") - 1] if "{pk}" in parts else ""


def strategy(operation: Any, ids: dict[str, int]) -> Any:
    modes = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
    strategies = [operation.as_strategy(generation_mode=mode) for mode in modes]
    pk = ids.get(kind_of(operation.path))
    if pk is not None:
        strategies += [
            operation.as_strategy(generation_mode=mode, path_parameters={"pk": pk})
            for mode in modes
        ]
    return st.one_of(strategies)


def _multipart(files: list[tuple[str, tuple[Any, ...]]]) -> dict[str, list[Any]]:
    data: dict[str, list[Any]] = {}
    for name, (filename, content, *_rest) in files:
        if filename is None:
            data.setdefault(name, []).append(str(content))
        else:
            raw = content if isinstance(content, bytes) else str(content).encode()
            data.setdefault(name, []).append(SimpleUploadedFile(filename or "upload", raw))
    return data


def send(client: Client, case: Any) -> Any:
    """The case through Django's test client as the logged-in user: the generated
    credentials (tokens, session cookies) and other headers are left out."""
    kwargs = case.as_transport_kwargs(base_url="http://testserver")
    url = urllib.parse.urlsplit(kwargs["url"])
    query = urllib.parse.urlencode(kwargs.get("params") or {}, doseq=True)
    path = url.path + (f"?{query}" if query else "")
    method = kwargs["method"].upper()
    if kwargs.get("files") and method == "POST":
        return client.post(path, _multipart(kwargs["files"]))
    if "json" in kwargs:
        body = json.dumps(kwargs["json"])
        return client.generic(method, path, body, content_type="application/json")
    data = kwargs.get("data")
    if data:
        raw = data if isinstance(data, bytes) else str(data).encode()
        content_type = kwargs["headers"].get("Content-Type", "application/octet-stream")
        return client.generic(method, path, raw, content_type=content_type)
    return client.generic(method, path)


def server_trace(caplog: Any) -> str:
    """The traceback the API logged for its last 500 (the answer itself says little)."""
    for record in reversed(caplog.records):
        if record.exc_info:
            return "".join(traceback.format_exception(*record.exc_info)[-6:])
    return ""


def run_operation(client: Client, operation: Any, ids: dict[str, int], caplog: Any) -> None:
    @given(case=strategy(operation, ids))
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=not RANDOM,
        database=None,
        phases=[Phase.explicit, Phase.generate],  # no shrinking: each step is a request
        suppress_health_check=list(HealthCheck),
    )
    def example(case: Any) -> None:
        try:
            with transaction.atomic():
                before = table_counts()
                response = send(client, case)
                detail = (
                    f"{case.method} {case.formatted_path} → {response.status_code}\n"
                    f"query={case.query!r}\nbody={case.body!r}"
                )
                assert response.status_code < 500, f"{detail}\n{server_trace(caplog)}"
                if response.status_code >= 400:
                    assert table_counts() == before, f"a refused request stored: {detail}"
                raise Rollback
        except Rollback:
            pass

    example()


@pytest.mark.parametrize("role", ["admin", "enterprise"])
def test_no_request_answers_5xx_and_refused_ones_store_nothing(
    users: dict[str, Any], make_alarm: Any, role: str, caplog: Any
) -> None:
    ids = records(users, make_alarm)
    client = client_for(users[role])
    failures = []
    for operation in OPERATIONS:
        try:
            run_operation(client, operation, ids, caplog)
        except Exception as exc:  # every operation is tried; the report lists them all
            failures.append(f"{operation.label}: {type(exc).__name__}: {exc}"[:4000])
    assert not failures, "\n\n".join(failures)


def test_every_operation_is_fuzzed() -> None:
    """The property test reads the operations from the OpenAPI document: a new endpoint
    is fuzzed without a line here."""
    assert len(OPERATIONS) == sum(
        len([m for m in ops if m in {"get", "post", "put", "patch", "delete"}])
        for ops in api.get_openapi_schema()["paths"].values()
    )
