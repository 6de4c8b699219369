"""`qingshan web`: serve the Django application (UI, JSON API) with uvicorn."""

from __future__ import annotations

import argparse
import os


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="qingshan web", description="Run the web application.")
    parser.add_argument(
        "--host",
        default=os.environ.get("QINGSHAN_WEB_HOST", "127.0.0.1"),
        help="address to bind (default 127.0.0.1: loopback only)",
    )
    parser.add_argument(
        "--port", type=int, default=int(os.environ.get("QINGSHAN_WEB_PORT", "8000"))
    )
    parser.add_argument("--workers", type=int, default=1, help="uvicorn worker processes")
    parser.add_argument("--log-level", default="info")
    return parser.parse_args(argv)


def serve(host: str, port: int, *, workers: int = 1, log_level: str = "info") -> None:
    import uvicorn

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "qingshan.settings")
    uvicorn.run(
        "qingshan.asgi:application",
        host=host,
        port=port,
        workers=workers,
        log_level=log_level,
        lifespan="off",
        # uvicorn would believe X-Forwarded-* from 127.0.0.1; the platform believes them
        # only from QINGSHAN_TRUSTED_PROXIES (qingshan.core.middleware), in one place
        proxy_headers=False,
    )


def main(argv: list[str]) -> int:
    args = parse(argv)
    serve(args.host, args.port, workers=args.workers, log_level=args.log_level)
    return 0
