"""Prometheus metrics of the gateway (served on a separate port: see GatewayConfig)."""

from __future__ import annotations

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram


class GatewayMetrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.connections = Gauge("qingshan_gateway_connections", "Open TCP connections", registry=r)
        self.connections_refused = Counter(
            "qingshan_gateway_connections_refused_total",
            "Connections closed at once by a limit",
            ["reason"],
            registry=r,
        )
        self.connections_closed = Counter(
            "qingshan_gateway_connections_closed_total",
            "Connections the gateway closed, by reason (auth timeout, garbage, throttled, …)",
            ["reason"],
            registry=r,
        )
        self.lookups = Counter(
            "qingshan_gateway_device_lookups_total",
            "Registry lookups of an MN not loaded yet (a device registered a moment ago)",
            registry=r,
        )
        self.frames = Counter(
            "qingshan_gateway_frames_total",
            "Frames by verdict and command",
            ["verdict", "cn"],
            registry=r,
        )
        self.acks = Counter("qingshan_gateway_acks_total", "Answers sent after commit", registry=r)
        self.pending = Gauge(
            "qingshan_gateway_pending", "Accepted packets not yet committed", registry=r
        )
        self.paused = Gauge(
            "qingshan_gateway_paused",
            "1 while no frames are taken, by reason (pending: commits; unjudged: the stream;"
            " stopping)",
            ["reason"],
            registry=r,
        )
        self.unjudged = Gauge(
            "qingshan_gateway_unjudged",
            "Committed packets the stream consumers have not read yet (-1: none reading)",
            registry=r,
        )
        self.batch_size = Histogram(
            "qingshan_gateway_batch_packets",
            "Packets per committed batch",
            buckets=(1, 10, 50, 100, 250, 500, 1000, 2000, 5000),
            registry=r,
        )
        self.commit_seconds = Histogram(
            "qingshan_gateway_commit_seconds",
            "Time to write and commit one batch",
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
            registry=r,
        )
