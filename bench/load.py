"""A small closed-loop HTTP load generator in pure Python (nothing to install).

C threads, each with its own keep-alive ``http.client`` connection (gunicorn's sync workers
close after every response; ``http.client`` then reconnects by itself, as a browser would)
and its own cookie jar, send requests back to back until the time or the request budget
runs out. Latency is measured per request on the client, from sending to the last byte.
"""
from __future__ import annotations

import http.client
import re
import statistics
import threading
import time
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from typing import Callable
from urllib.parse import urlencode

CSRF_RE = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"|value="([^"]+)"[^>]*?name="csrf_token"')


class HttpError(RuntimeError):
    pass


class Client:
    def __init__(self, host: str, port: int, timeout: float = 30.0):
        self.host, self.port, self.timeout = host, port, timeout
        self.cookies: dict[str, str] = {}
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)

    def request(self, method: str, path: str, body: bytes | None = None,
                headers: dict | None = None) -> tuple[int, http.client.HTTPMessage, bytes]:
        hdrs = {"Accept-Language": "zh-CN,zh;q=0.9", "User-Agent": "loans-bench/1"}
        if self.cookies:
            hdrs["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        hdrs.update(headers or {})
        try:
            self.conn.request(method, path, body=body, headers=hdrs)
            response = self.conn.getresponse()
            data = response.read()
        except (http.client.HTTPException, OSError):
            self.conn.close()  # a fresh connection next time
            raise
        for raw in response.headers.get_all("Set-Cookie") or ():
            jar = SimpleCookie()
            jar.load(raw)
            for name, morsel in jar.items():
                if morsel["max-age"] == "0" or "1970" in (morsel["expires"] or ""):
                    self.cookies.pop(name, None)
                else:
                    self.cookies[name] = morsel.value
        return response.status, response.headers, data

    def login(self, login: str, password: str) -> None:
        status, _, body = self.request("GET", "/login")
        match = CSRF_RE.search(body.decode("utf-8", "replace"))
        if status != 200 or not match:
            raise HttpError(f"GET /login answered {status} without a csrf token")
        token = match.group(1) or match.group(2)
        form = urlencode({"csrf_token": token, "login": login, "password": password}).encode()
        status, headers, _ = self.request("POST", "/login", form,
                                          {"Content-Type": "application/x-www-form-urlencoded"})
        location = headers.get("Location", "")
        if status not in (302, 303) or "/login" in location:
            raise HttpError(f"login as {login} failed: {status} {location}")

    def close(self) -> None:
        self.conn.close()


@dataclass
class Scenario:
    name: str
    path: Callable[[int, int], str]  # (thread index, request number) → path
    login: Callable[[int], tuple[str, str]] | None = None  # thread index → (login, password)
    expect: bytes | None = None  # a byte string the body must contain
    description: str = ""


@dataclass
class Result:
    name: str
    description: str
    requests: int = 0
    errors: int = 0
    seconds: float = 0.0
    latencies_ms: list[float] = field(default_factory=list, repr=False)
    statuses: dict = field(default_factory=dict)
    error_sample: str | None = None
    bytes_median: int = 0

    def summary(self) -> dict:
        lat = sorted(self.latencies_ms)

        def pct(p):
            if not lat:
                return None
            return round(lat[min(len(lat) - 1, max(0, round(p / 100 * len(lat)) - 1))], 2)

        ok = self.requests - self.errors
        return {
            "name": self.name, "description": self.description,
            "requests": self.requests, "errors": self.errors, "seconds": round(self.seconds, 2),
            "req_per_s": round(ok / self.seconds, 1) if self.seconds else 0.0,
            "p50_ms": pct(50), "p95_ms": pct(95), "p99_ms": pct(99),
            "mean_ms": round(statistics.fmean(lat), 2) if lat else None, "max_ms": round(lat[-1], 2) if lat else None,
            "statuses": {str(k): v for k, v in sorted(self.statuses.items(), key=lambda kv: str(kv[0]))},
            "response_bytes_median": self.bytes_median,
            "error_sample": self.error_sample,
        }


def run(host: str, port: int, scenario: Scenario, *, seconds: float, concurrency: int, max_requests: int,
        warmup_seconds: float = 1.0) -> Result:
    """Log every thread in (untimed), warm up, then measure for ``seconds`` or ``max_requests``."""
    clients = []
    for t in range(concurrency):
        client = Client(host, port)
        if scenario.login:
            client.login(*scenario.login(t))
        clients.append(client)

    result = Result(scenario.name, scenario.description)
    lock = threading.Lock()
    budget = [max_requests]
    sizes: list[int] = []
    phase = {"measure": False}
    barrier = threading.Barrier(concurrency + 1, timeout=warmup_seconds + 120)

    def take() -> bool:
        with lock:
            if budget[0] <= 0:
                return False
            budget[0] -= 1
            return True

    def worker(t: int, deadline_holder: list) -> None:
        client = clients[t]
        n = 0
        # Warm-up: the workers' first requests compile templates and open connections.
        warm_end = time.perf_counter() + warmup_seconds
        while time.perf_counter() < warm_end:
            _one(client, scenario, t, n)
            n += 1
        barrier.wait()
        barrier.wait()  # the main thread has set the deadline
        deadline = deadline_holder[0]
        local_lat, local_status, local_err, local_sizes = [], {}, [], []
        while time.perf_counter() < deadline and take():
            status, size, err, ms = _one(client, scenario, t, n)
            n += 1
            local_lat.append(ms)
            local_status[status] = local_status.get(status, 0) + 1
            if err:
                local_err.append(err)
            local_sizes.append(size)
        with lock:
            result.requests += len(local_lat)
            result.latencies_ms.extend(local_lat)
            result.errors += len(local_err)
            if local_err and result.error_sample is None:
                result.error_sample = local_err[0]
            for k, v in local_status.items():
                result.statuses[k] = result.statuses.get(k, 0) + v
            sizes.extend(local_sizes)

    deadline_holder = [0.0]
    threads = [threading.Thread(target=worker, args=(t, deadline_holder), daemon=True) for t in range(concurrency)]
    for th in threads:
        th.start()
    barrier.wait()
    started = time.perf_counter()
    deadline_holder[0] = started + seconds
    barrier.wait()
    for th in threads:
        th.join(seconds + 60)
    result.seconds = time.perf_counter() - started
    if sizes:
        result.bytes_median = int(statistics.median(sizes))
    for client in clients:
        client.close()
    return result


def _one(client: Client, scenario: Scenario, t: int, n: int) -> tuple[object, int, str | None, float]:
    path = scenario.path(t, n)
    start = time.perf_counter()
    try:
        status, headers, body = client.request("GET", path)
    except Exception as exc:  # noqa: BLE001 — every failure is a counted error, never a crash
        return type(exc).__name__, 0, f"{path}: {type(exc).__name__}: {exc}", (time.perf_counter() - start) * 1000
    ms = (time.perf_counter() - start) * 1000
    err = None
    if status != 200:
        err = f"{path}: HTTP {status} {headers.get('Location', '')}".strip()
    elif scenario.expect is not None and scenario.expect not in body:
        err = f"{path}: body lacks {scenario.expect!r}"
    return status, len(body), err, ms
