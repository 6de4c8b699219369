"""Shared by the gateway benchmarks and the crash test: a fresh database with the
simulator's synthetic devices registered, and the gateway and simulator as processes."""

from __future__ import annotations

import atexit
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import zlib
from pathlib import Path
from typing import Any

PYTHON = sys.executable


def _drop_database(name: str) -> None:
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-qc",
            f"DROP DATABASE IF EXISTS {name} WITH (FORCE)",
        ],
        check=False,
        capture_output=True,
    )


def database_url(kind: str, data_dir: Path) -> str:
    if kind == "sqlite":
        return f"sqlite:///{data_dir / 'bench.sqlite3'}"
    # one scratch database per process: suites and benchmarks may run side by side
    name = f"qingshan_bench_{os.getpid()}"
    atexit.register(_drop_database, name)
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"DROP DATABASE IF EXISTS {name}"],
        check=True,
    )
    subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-qc", f"CREATE DATABASE {name}"], check=True
    )
    return f"postgres://postgres@127.0.0.1:5432/{name}"


def environment(kind: str) -> tuple[dict[str, str], Path]:
    data_dir = Path(tempfile.mkdtemp(prefix="qingshan-bench-"))
    env = dict(os.environ)
    env.update(
        QINGSHAN_ENV="dev",
        QINGSHAN_DATA_DIR=str(data_dir),
        QINGSHAN_DATABASE_URL=database_url(kind, data_dir),
        DJANGO_SETTINGS_MODULE="qingshan.settings",
        QINGSHAN_LOG_LEVEL="WARNING",
    )
    subprocess.run([PYTHON, "-m", "qingshan", "migrate", "-v0"], env=env, check=True)
    return env, data_dir


def _register(count: int, prefix: str = "QSSIM") -> None:
    """Register the simulator's ``count`` synthetic devices (runs inside Django)."""
    import django

    django.setup()
    from qingshan.core.audit import audit_context
    from qingshan.registry.models import Device, Enterprise, MonitoringPoint, Outlet
    from qingshan.registry.passwords import device_password_digest
    from qingshan.registry.validators import credit_code_complete, organization_code_check_char
    from qingshan.simulator import synthetic_devices

    devices = synthetic_devices(count, prefix=prefix)
    digest = device_password_digest(devices[0].password)
    with audit_context(user=None, via="benchmark"):
        enterprises = []
        for i in range(0, count, 10):
            org = f"{zlib.crc32(prefix.encode()) % 1000:03d}{i:05d}"  # digits: GB 32100
            code = credit_code_complete("91330603" + org + organization_code_check_char(org))
            enterprises.append(
                Enterprise(
                    credit_code=code,
                    name=f"基准测试单位{i}",
                    region_code="330603",
                    industry_code="1713",
                )
            )
        enterprises = Enterprise.objects.bulk_create(enterprises)
        outlets = Outlet.objects.bulk_create(
            Outlet(
                enterprise=enterprises[i // 10],
                code=f"DA{i:05d}",
                name="排放口",
                medium="air",
                kind="main",
            )
            for i in range(count)
        )
        points = MonitoringPoint.objects.bulk_create(
            MonitoringPoint(outlet=o, name="点位", factors=list(d.factors))
            for o, d in zip(outlets, devices, strict=True)
        )
        Device.objects.bulk_create(
            Device(point=p, mn=d.mn, password_digest=digest)
            for p, d in zip(points, devices, strict=True)
        )


def _register_limits() -> None:
    """A permit per synthetic enterprise with the simulator's typical limits (converted
    values at the simulator's reference O2), so that its exceedances are alarms."""
    import datetime as dt
    from decimal import Decimal

    import django

    django.setup()
    from qingshan.core.audit import audit_context
    from qingshan.permits.models import Permit, PermitLimit
    from qingshan.registry.models import Enterprise
    from qingshan.simulator.signals import KINDS, O2_REFERENCE

    with audit_context(user=None, via="benchmark"):
        for enterprise in Enterprise.objects.prefetch_related("outlets__points"):
            permit = Permit.objects.create(
                number=f"{enterprise.credit_code}001P",
                enterprise=enterprise,
                permit_class="key",
                valid_from=dt.date(2020, 1, 1),
                valid_to=dt.date(2099, 1, 1),
            )
            limits = []
            for outlet in enterprise.outlets.all():
                for point in outlet.points.all():
                    for code in point.factors:
                        kind = KINDS.get(code)
                        if kind is None or kind.limit is None or code == "a19001":
                            continue
                        limits.append(
                            PermitLimit(
                                permit=permit,
                                outlet=outlet,
                                factor_code=code,
                                limit=Decimal(str(kind.limit)),
                                unit="mg/m3",
                                basis="hourly",
                                reference_o2=Decimal(str(O2_REFERENCE)) if kind.zs else None,
                            )
                        )
            PermitLimit.objects.bulk_create(limits)


def register_limits(env: dict[str, str]) -> None:
    subprocess.run([PYTHON, __file__, "limits"], env=env, check=True)


def start_worker(env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen([PYTHON, "-m", "qingshan", "worker"], env=env)


def register_devices(env: dict[str, str], count: int, prefix: str = "QSSIM") -> None:
    subprocess.run([PYTHON, __file__, "register", str(count), prefix], env=env, check=True)


def pinned(cpu: int | None, argv: list[str]) -> list[str]:
    if cpu is None or shutil.which("taskset") is None:
        return argv
    return ["taskset", "-c", str(cpu), *argv]


def start_gateway(
    env: dict[str, str], port: int = 0, *, cpu: int | None = None, extra: tuple[str, ...] = ()
) -> tuple[subprocess.Popen[str], int]:
    """Start `qingshan gateway` (port 0: any free port); returns the process and its port."""
    argv = [
        PYTHON,
        "-m",
        "qingshan",
        "gateway",
        "--port",
        str(port),
        "--metrics-port",
        "0",
        "--max-per-peer",
        "20000",
        "--max-connections",
        "20000",
        "--log-level",
        "WARNING",
        *extra,
    ]
    process = subprocess.Popen(pinned(cpu, argv), env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    line = process.stdout.readline()
    if "listening" not in line:
        process.kill()
        raise RuntimeError(f"gateway did not start: {line!r}")
    return process, int(line.rsplit(":", 1)[1])


def stop_gateway(process: subprocess.Popen[str], *, kill: bool = False) -> int:
    process.send_signal(signal.SIGKILL if kill else signal.SIGTERM)
    return process.wait(timeout=120)


def rss_mib(pid: int) -> tuple[float, float]:
    """Current and peak resident memory of a process, in MiB."""
    fields = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        fields[key] = value.strip()
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used so far."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def simulate(
    env: dict[str, str],
    port: int,
    args: list[str],
    *,
    cpu: int | None = None,
    summary: Path,
    nice: int = 0,
) -> dict[str, Any]:
    argv = [
        PYTHON,
        "-m",
        "qingshan",
        "simulate",
        "--port",
        str(port),
        "--json-summary",
        str(summary),
        *args,
    ]
    if nice:  # the load generator yields to the platform, as if on machines of its own
        argv = ["nice", "-n", str(nice), *argv]
    process = subprocess.Popen(pinned(cpu, argv), env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    process.returncode = os.waitstatus_to_exitcode(status)
    if not summary.exists():
        raise RuntimeError(f"simulator failed with exit code {process.returncode}")
    result: dict[str, Any] = json.loads(summary.read_text())
    result["cpu_seconds"] = usage.ru_utime + usage.ru_stime
    return result


def db_counts(env: dict[str, str]) -> dict[str, int]:
    code = (
        "import django, json; django.setup()\n"
        "from django.db import connection\n"
        "c = connection.cursor(); out = {}\n"
        "for t in ('monitoring_rawpacket', 'monitoring_reading'):\n"
        "    c.execute(f'SELECT COUNT(*) FROM {t}'); out[t] = c.fetchone()[0]\n"
        "print(json.dumps(out))"
    )
    done = subprocess.run([PYTHON, "-c", code], env=env, check=True, capture_output=True, text=True)
    return json.loads(done.stdout)


def _verify(ack_log: str) -> None:
    """Check every acknowledged packet of an ack log (mn,qn,cn,data_time) is stored:
    its raw packet at least once (resends are kept) and its readings exactly once."""
    import django

    django.setup()
    from qingshan.gateway.readings import data_time_epoch
    from qingshan.hj212 import CP, Packet
    from qingshan.monitoring.models import RawPacket, Reading
    from qingshan.registry.models import Device

    devices = {d.mn: d for d in Device.objects.select_related("point")}
    checked = missing = 0
    for line in Path(ack_log).read_text().splitlines():
        mn, qn, cn, data_time = line.split(",")
        if cn != "2011":
            continue
        device = devices[mn]
        epoch = data_time_epoch(Packet(cp=CP.from_dict({"DataTime": data_time})))
        readings = Reading.objects.filter(point=device.point_id, period=1, data_time=epoch).count()
        raws = RawPacket.objects.filter(device=device, qn=qn).count()
        checked += 1
        if readings != len(device.point.factors) or raws < 1:
            missing += 1
    print(json.dumps({"checked": checked, "missing": missing}))


def verify_acknowledged(env: dict[str, str], ack_log: Path) -> dict[str, int]:
    done = subprocess.run(
        [PYTHON, __file__, "verify", str(ack_log)],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def run_django(env: dict[str, str], code: str) -> str:
    """Run ``code`` inside Django against the process's database; returns what it printed."""
    done = subprocess.run(
        [PYTHON, "-c", "import django; django.setup()\n" + code],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__" and sys.argv[1:2] == ["register"]:
    _register(int(sys.argv[2]), *sys.argv[3:4])
if __name__ == "__main__" and sys.argv[1:2] == ["limits"]:
    _register_limits()
if __name__ == "__main__" and sys.argv[1:2] == ["verify"]:
    _verify(sys.argv[2])
