"""Helpers for control_plane_bench.py: processes, SigV4 signing, clients, wrk, statistics.
Everything binds to 127.0.0.1; every process started here is stopped by its PID."""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import time
from urllib.parse import quote

import botocore.auth
import botocore.awsrequest
import botocore.credentials

HOST = "127.0.0.1"
SBIN_PATH = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"  # Debian's nginx is in /usr/sbin


def ensure_tools() -> None:
    """apt-get install nginx and wrk if either is missing (apt-get update only if that fails)."""
    if shutil.which("nginx", path=SBIN_PATH) and shutil.which("wrk", path=SBIN_PATH):
        return
    cmd, env = ["apt-get", "install", "-y", "-qq", "nginx", "wrk"], dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, timeout=900).returncode != 0:
        subprocess.run(["apt-get", "update", "-qq"], env=env, check=True, timeout=900)
        subprocess.run(cmd, env=env, stdout=subprocess.DEVNULL, check=True, timeout=900)


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def start(argv: list[str], log_path: str) -> subprocess.Popen:
    """Start a child with output to log_path and no ambient AWS configuration or proxies."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "proxy" not in k.lower()}
    with open(log_path, "ab") as log:
        return subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=log, stderr=subprocess.STDOUT,
                                env=env, start_new_session=True)


def stop(proc: subprocess.Popen, timeout: float = 10.0) -> None:
    """SIGTERM the PID, SIGKILL it after `timeout`, then SIGKILL any children it had (nginx workers)."""
    if proc.poll() is not None:
        return
    try:
        with open(f"/proc/{proc.pid}/task/{proc.pid}/children") as f:
            children = [int(p) for p in f.read().split()]
    except OSError:
        children = []
    proc.terminate()
    try:
        proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=timeout)
    for pid in children:  # normally gone already with their master
        try:
            os.kill(pid, signal.SIGKILL)
        except ProcessLookupError:
            pass


def wait_http_200(proc: subprocess.Popen, port: int, path: str, timeout: float, log_path: str) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{proc.args[0]} exited ({proc.returncode}):\n{open(log_path).read()[-3000:]}")
        try:
            conn = http.client.HTTPConnection(HOST, port, timeout=1)
            conn.request("GET", path)
            ok = conn.getresponse().status == 200
            conn.close()
            if ok:
                return
        except OSError:
            pass
        time.sleep(0.05)
    raise RuntimeError(f"{proc.args[0]} not ready on port {port} after {timeout}s")


def rss_mb(pid: int, field: str = "VmRSS") -> float:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) / 1024 for line in f if line.startswith(field + ":"))


NGINX_CONF = """worker_processes 1; daemon off; pid {tmp}/nginx.pid; error_log {tmp}/nginx.err warn;
events {{ worker_connections 1024; }}
http {{
    access_log off; keepalive_requests 10000000;
    client_body_temp_path {tmp}/body; proxy_temp_path {tmp}/proxy; fastcgi_temp_path {tmp}/fcgi;
    uwsgi_temp_path {tmp}/uwsgi; scgi_temp_path {tmp}/scgi;
    server {{ listen {host}:{port}; location / {{ return 200 "ok"; }} }}
}}
"""


def start_nginx(tmp: str, port: int) -> subprocess.Popen:
    conf, log = os.path.join(tmp, "nginx.conf"), os.path.join(tmp, "nginx.out")
    with open(conf, "w") as f:
        f.write(NGINX_CONF.format(tmp=tmp, host=HOST, port=port))
    proc = start([shutil.which("nginx", path=SBIN_PATH), "-p", tmp, "-e", f"{tmp}/nginx.err", "-c", conf], log)
    wait_http_200(proc, port, "/", 15, log)
    return proc


class Signer:
    """Headers exactly as botocore's SigV4Auth signs them (service lambda unless told, us-east-1)."""

    def __init__(self, access_key: str, secret_key: str):
        self.creds = botocore.credentials.Credentials(access_key, secret_key)

    def sign(self, method: str, port: int, target: str, body: bytes | None = None, service: str = "lambda",
             headers: dict[str, str] | None = None) -> dict[str, str]:
        headers = dict(headers or ({"Content-Type": "application/json"} if body else {}))
        req = botocore.awsrequest.AWSRequest(method, f"http://{HOST}:{port}{target}", headers, body or b"")
        botocore.auth.SigV4Auth(self.creds, service, "us-east-1").add_auth(req)
        # Signed as host:port; wrk would otherwise send the Host header without the port.
        return dict(req.headers.items(), Host=f"{HOST}:{port}")


def query(**params) -> str:
    """A query string encoded the way botocore puts it on the wire and signs it."""
    return "&".join(f"{k}={quote(str(v), safe='-_.~')}" for k, v in params.items() if v is not None)


def timed_request(conn: http.client.HTTPConnection, method: str, target: str, body: bytes | None,
                  headers: dict[str, str]) -> tuple[int, int, bytes]:
    """One request on a keep-alive connection: (status, ns for send+receive, body)."""
    t0 = time.perf_counter_ns()
    conn.request(method, target, body=body, headers=headers)
    resp = conn.getresponse()
    data = resp.read()
    return resp.status, time.perf_counter_ns() - t0, data


def _recv_into(s: socket.socket, buf: bytes) -> bytes:
    chunk = s.recv(65536)
    if not chunk:
        raise RuntimeError("server closed the keep-alive connection")
    return buf + chunk


def raw_socket_loop(port: int, target: str, headers: dict[str, str], n: int) -> tuple[list[int], int]:
    """Replay one pre-built GET n times on one keep-alive socket: (ns per request, non-200 count).
    Responses must carry Content-Length (both servers do)."""
    request = "\r\n".join([f"GET {target} HTTP/1.1"] + [f"{k}: {v}" for k, v in headers.items()])
    request = (request + "\r\n\r\n").encode()
    times, bad, buf = [], 0, b""
    with socket.create_connection((HOST, port), timeout=30) as s:
        s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for _ in range(n):
            t0 = time.perf_counter_ns()
            s.sendall(request)
            while b"\r\n\r\n" not in buf:
                buf = _recv_into(s, buf)
            head, _, buf = buf.partition(b"\r\n\r\n")
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
            while len(buf) < length:
                buf = _recv_into(s, buf)
            buf = buf[length:]
            times.append(time.perf_counter_ns() - t0)
            bad += head[9:12] != b"200"
    return times, bad


def run_wrk(port: int, target: str, headers: dict[str, str], threads: int, conns: int, seconds: int) -> dict:
    """wrk with pre-signed headers: latency p50/p90/p99 (ms), rps, requests, errors (non-2xx/3xx
    responses plus socket errors, as wrk counts them)."""
    argv = ["wrk", f"-t{threads}", f"-c{conns}", f"-d{seconds}s", "--latency"]
    for k, v in headers.items():
        argv += ["-H", f"{k}: {v}"]
    out = subprocess.run(argv + [f"http://{HOST}:{port}{target}"], capture_output=True, text=True,
                         timeout=seconds + 60, check=True).stdout
    unit = {"us": 1e-3, "ms": 1.0, "s": 1e3, "m": 60e3}
    res = {f"p{p}": float(v) * unit[u] for p, v, u in re.findall(r"^\s+(50|90|99)%\s+([\d.]+)(us|ms|s|m)$", out, re.M)}
    res["rps"] = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))
    res["requests"] = int(re.search(r"(\d+) requests in", out).group(1))
    errors = re.findall(r"Non-2xx or 3xx responses:\s+(\d+)|Socket errors: connect (\d+), read (\d+), "
                        r"write (\d+), timeout (\d+)", out)
    res["errors"] = sum(int(x) for group in errors for x in group if x)
    return res


def pct(samples_ns: list[int], *ps: int) -> dict[str, float]:
    """Nearest-rank percentiles of nanosecond samples, in milliseconds."""
    s = sorted(samples_ns)
    return {f"p{p}": s[max(0, -(-p * len(s) // 100) - 1)] / 1e6 for p in ps}


def report(title: str, rows: list[tuple], json_path: str | None, width: int = 52) -> None:
    """Prints (label, value, floor or None, goal or None) rows with the ratio and PASS/MISS, and writes them as
    JSON when asked. A label ending in "/s" or holding "/s]" is a rate (higher is better); all else is
    lower-better."""
    print(title)
    print(f"{'metric':<{width}}{'nimbus':>12}{'nginx floor':>13}{'ratio':>9}  goal")
    out = []
    for label, value, floor, goal in rows:
        ratio = value / floor if floor else None
        lower_is_better = not (label.endswith("/s") or "/s]" in label)
        ok = None if goal is None else value <= goal if lower_is_better else value >= goal
        status = "" if goal is None else f"{'<=' if lower_is_better else '>='} {goal:g} {'PASS' if ok else 'MISS'}"
        print(f"{label:<{width}}{value:>12.3f}{(floor if floor is not None else float('nan')):>13.3f}"
              f"{(f'{ratio:.2f}x' if ratio else '-'):>9}  {status}")
        out.append(dict(metric=label, nimbus=value, floor=floor, ratio=ratio, goal=goal, status=ok))
    if json_path:
        with open(json_path, "w") as f:
            json.dump(out, f, indent=1)
