#!/usr/bin/env python3
"""Nimbus control-plane benchmark, measured against a same-run nginx floor.

  python Benchmarks/control_plane_bench.py --nimbus /abs/path/to/nimbus [--quick] [--json OUT]

One run: starts `nimbus serve` and a minimal nginx (`return 200 "ok";`) on free 127.0.0.1 ports,
measures GetFunctionConfiguration (wrk -c1 latency, a Python raw-socket keep-alive loop, wrk -c16
throughput), CreateFunction with a 1 KB zip, ListFunctions pages over N stored functions and the
server's RSS, each with the same client method against nginx, then prints a table with the goals.
See README.md beside this file.
"""

from __future__ import annotations

import argparse
import base64
import http.client
import io
import json
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
import zipfile

from bench_support import (HOST, Signer, ensure_tools, free_port, pct, query, raw_socket_loop, rss_mb,
                           run_wrk, start, start_nginx, stop, timed_request, wait_http_200)

API = "/2015-03-31/functions"
FULL = dict(functions=10_000, wrk_seconds=5, raw_requests=2000, creates=300, list_pages=200)
QUICK = dict(functions=500, wrk_seconds=1, raw_requests=300, creates=50, list_pages=30)
POPULATE_THREADS = 4
GOALS = {"create_p50": 5.0, "list_p50": 20.0, "rss_idle": 60.0}  # ms, ms, MB


def one_kb_zip() -> bytes:
    """A stored (uncompressed) zip of exactly 1024 bytes: a handler plus padding."""
    def build(pad: int) -> bytes:
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_STORED) as z:
            z.writestr("app.py", "def handler(event, context):\n    return event\n")
            z.writestr("pad.txt", "#" * pad)
        return buf.getvalue()
    return build(1024 - len(build(0)))


class Nimbus:
    """The server under test and the signer of its account `bench`."""

    def __init__(self, binary: str, tmp: str):
        data, self.log = os.path.join(tmp, "data"), os.path.join(tmp, "nimbus.log")
        acct = json.loads(subprocess.run([binary, "accounts", "create", "bench", "--data-dir", data],
                                         capture_output=True, text=True, timeout=60, check=True).stdout)
        self.account, self.signer = acct["AccountId"], Signer(acct["AccessKeyId"], acct["SecretAccessKey"])
        self.port = free_port()
        self.proc = start([binary, "serve", "--host", HOST, "--port", str(self.port), "--data-dir", data], self.log)

    def create_request(self, name: str, zip_b64: str, port: int | None = None, **extra) -> tuple:
        """A freshly signed CreateFunction (method, target, body, headers), for `port` (default: nimbus);
        `extra` adds request fields (e.g. EphemeralStorage)."""
        body = json.dumps({"FunctionName": name, "Runtime": "python3.12", "Handler": "app.handler",
                           "Role": f"arn:aws:iam::{self.account}:role/r", "Code": {"ZipFile": zip_b64},
                           **extra}).encode()
        return "POST", API, body, self.signer.sign("POST", port or self.port, API, body)


def timed_loop(port: int, n: int, make_request, expect: int) -> list[int]:
    """n requests on one http.client keep-alive connection; each is built (and signed) by
    make_request(i) before its clock starts, so only send+receive is timed. Returns ns each."""
    conn, out = http.client.HTTPConnection(HOST, port, timeout=60), []
    try:
        for i in range(n):
            method, target, body, headers = make_request(i)
            status, ns, data = timed_request(conn, method, target, body, headers)
            if status != expect:
                raise RuntimeError(f"{method} {target} on port {port} -> {status}: {data[:300]!r}")
            out.append(ns)
        return out
    finally:
        conn.close()


def measure_get(port: int, signer: Signer, target: str, sizes: dict) -> dict:
    """GetFunctionConfiguration-style GET: raw keep-alive loop, wrk -c1 latency, wrk -c16 req/s."""
    headers = signer.sign("GET", port, target)  # valid for ±5 min: replayed by every client below
    times, bad = raw_socket_loop(port, target, headers, sizes["raw_requests"])
    seq = run_wrk(port, target, headers, 1, 1, sizes["wrk_seconds"])
    thr = run_wrk(port, target, headers, 2, 16, sizes["wrk_seconds"])
    if bad or seq["errors"] or thr["errors"]:  # never benchmark error responses
        raise RuntimeError(f"GET on port {port}: non-200/errors raw={bad} wrk-c1={seq} wrk-c16={thr}")
    return {"raw": pct(times, 50, 99), "wrk_c1": seq, "wrk_c16": thr}


def populate(nimbus: Nimbus, names: list[str], zip_b64: str) -> float:
    """Create `names` over POPULATE_THREADS keep-alive connections; returns seconds taken."""
    errors: list[BaseException] = []

    def worker(chunk: list[str]) -> None:
        try:
            timed_loop(nimbus.port, len(chunk), lambda i: nimbus.create_request(chunk[i], zip_b64), 201)
        except BaseException as exc:  # re-raised by the main thread
            errors.append(exc)

    t0 = time.monotonic()
    threads = [threading.Thread(target=worker, args=(names[i::POPULATE_THREADS],)) for i in range(POPULATE_THREADS)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise RuntimeError(f"populate failed: {errors[0]}")
    return time.monotonic() - t0


def measure_list(nimbus: Nimbus, expected: int, wanted: int) -> list[int]:
    """Walk all ListFunctions pages of 50 via NextMarker, again until `wanted` pages were timed
    (at most 100 walks); each page freshly signed, only send+receive timed."""
    conn, times = http.client.HTTPConnection(HOST, nimbus.port, timeout=60), []
    try:
        for walk in range(100):
            marker, seen = None, 0
            for _ in range(expected // 50 + 2):
                target = f"{API}?{query(MaxItems=50, Marker=marker)}"
                status, ns, data = timed_request(conn, "GET", target, None, nimbus.signer.sign("GET", nimbus.port, target))
                if status != 200:
                    raise RuntimeError(f"ListFunctions -> {status}: {data[:300]!r}")
                times.append(ns)
                doc = json.loads(data)
                seen, marker = seen + len(doc["Functions"]), doc.get("NextMarker")
                if not marker:
                    break
            if seen != expected:
                raise RuntimeError(f"ListFunctions walk {walk} saw {seen} functions, expected {expected}")
            if len(times) >= wanted:
                break
        return times
    finally:
        conn.close()


def run(binary: str, sizes: dict, tmp: str, procs: list) -> dict:
    nimbus = Nimbus(binary, tmp)
    procs.append(nimbus.proc)
    wait_http_200(nimbus.proc, nimbus.port, "/health", 60, nimbus.log)
    time.sleep(1.0)  # let start-up settle before reading idle RSS
    rss_idle = rss_mb(nimbus.proc.pid)
    nginx_port = free_port()
    procs.append(start_nginx(tmp, nginx_port))
    zip_b64 = base64.b64encode(one_kb_zip()).decode()
    n_creates, n_pages = sizes["creates"], sizes["list_pages"]

    # 2. GetFunctionConfiguration vs. the nginx floor: same headers, same clients.
    timed_loop(nimbus.port, 1, lambda i: nimbus.create_request("bench-get", zip_b64), 201)
    target = f"{API}/bench-get/configuration"
    get_floor = measure_get(nginx_port, nimbus.signer, target, sizes)
    get_nimbus = measure_get(nimbus.port, nimbus.signer, target, sizes)

    # 3. Sequential CreateFunction latency; the floor POSTs the same bodies to nginx.
    creates = timed_loop(nimbus.port, n_creates, lambda i: nimbus.create_request(f"bench-c-{i:05d}", zip_b64), 201)
    create_floor = timed_loop(nginx_port, n_creates,
                              lambda i: nimbus.create_request(f"bench-c-{i:05d}", zip_b64, nginx_port), 200)

    # 4. Fill up to N functions, then time ListFunctions pages across the whole list.
    rest = [f"bench-f-{i:05d}" for i in range(sizes["functions"] - 1 - n_creates)]
    populate_s = populate(nimbus, rest, zip_b64)
    pages = measure_list(nimbus, sizes["functions"], n_pages)
    first = f"{API}?MaxItems=50"
    list_floor = timed_loop(nginx_port, n_pages,
                            lambda i: ("GET", first, None, nimbus.signer.sign("GET", nginx_port, first)), 200)

    # 5. Memory after the workload.
    return dict(get_nimbus=get_nimbus, get_floor=get_floor, create=pct(creates, 50, 90, 99),
                create_floor=pct(create_floor, 50, 90, 99), list=pct(pages, 50, 90, 99),
                list_floor=pct(list_floor, 50, 90, 99), list_samples=len(pages),
                populate_s=populate_s, populated=len(rest), rss_idle=rss_idle,
                rss_after=rss_mb(nimbus.proc.pid), rss_peak=rss_mb(nimbus.proc.pid, "VmHWM"))


def table(r: dict, sizes: dict) -> list[dict]:
    """Rows: label, nimbus value, nginx floor (or None), unit, goal (or None), PASS/MISS."""
    gn, gf = r["get_nimbus"], r["get_floor"]
    rows = []

    def row(label, value, floor=None, unit="ms", goal=None):
        ok = None if goal is None else value <= goal
        ratio = None if not floor else value / floor
        rows.append(dict(metric=label, nimbus=value, floor=floor, unit=unit, ratio=ratio,
                         goal=goal, status=None if ok is None else ("PASS" if ok else "MISS")))

    for p in ("p50", "p90", "p99"):
        row(f"GetFunctionConfiguration wrk -t1 -c1 {p}", gn["wrk_c1"][p], gf["wrk_c1"][p])
    for p in ("p50", "p99"):
        row(f"GetFunctionConfiguration raw socket {p}", gn["raw"][p], gf["raw"][p])
    row("GetFunctionConfiguration wrk -t2 -c16", gn["wrk_c16"]["rps"], gf["wrk_c16"]["rps"], "req/s")
    for p in ("p50", "p90", "p99"):
        row(f"CreateFunction 1 KB zip {p}", r["create"][p], r["create_floor"][p],
            goal=GOALS["create_p50"] if p == "p50" else None)
    for p in ("p50", "p90", "p99"):
        row(f"ListFunctions page of 50 ({sizes['functions']} fns) {p}", r["list"][p],
            r["list_floor"][p], goal=GOALS["list_p50"] if p == "p50" else None)
    row(f"Populate {r['populated']} functions ({POPULATE_THREADS} conns)", r["populate_s"], unit="s")
    row("RSS idle after start", r["rss_idle"], unit="MB", goal=GOALS["rss_idle"])
    row("RSS after workload", r["rss_after"], unit="MB")
    row("RSS peak (VmHWM)", r["rss_peak"], unit="MB")
    return rows


def print_table(rows: list[dict], header: str) -> None:
    fmt = "{:<52} {:>12} {:>12} {:>9}  {:<14}"
    num = lambda v: "-" if v is None else (f"{v:,.0f}" if v >= 1000 else f"{v:.3f}")
    print(header)
    print(fmt.format("metric", "nimbus", "nginx floor", "ratio", "goal"))
    print("-" * 104)
    for x in rows:
        goal = "" if x["goal"] is None else f"<= {x['goal']:g} {x['unit']} {x['status']}"
        print(fmt.format(f"{x['metric']} [{x['unit']}]", num(x["nimbus"]), num(x["floor"]),
                         "-" if x["ratio"] is None else f"{x['ratio']:.2f}x", goal))


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--nimbus", required=True, help="absolute path to the nimbus binary")
    ap.add_argument("--quick", action="store_true", help="small sizes for a smoke run")
    ap.add_argument("--json", metavar="OUT", help="also write the results as JSON here")
    args = ap.parse_args()
    binary = os.path.abspath(args.nimbus)
    if not os.access(binary, os.X_OK):
        sys.exit(f"not an executable: {binary}")
    ensure_tools()
    sizes = QUICK if args.quick else FULL
    tmp = tempfile.mkdtemp(prefix="nimbus-bench-")
    procs: list = []
    t0 = time.monotonic()
    try:
        results = run(binary, sizes, tmp, procs)
    except BaseException:
        log = os.path.join(tmp, "nimbus.log")
        if os.path.exists(log):
            print("---- nimbus log (tail) ----\n" + open(log, errors="replace").read()[-3000:], file=sys.stderr)
        raise
    finally:
        for p in reversed(procs):
            stop(p)
        shutil.rmtree(tmp, ignore_errors=True)
    rows = table(results, sizes)
    print_table(rows, f"Nimbus control-plane benchmark: {binary}\n"
                      f"sizes {sizes}, run took {time.monotonic() - t0:.1f} s; ratio = nimbus / nginx "
                      f"(latency: lower is better; req/s: higher is better)\n")
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"binary": binary, "quick": args.quick, "sizes": sizes, "rows": rows,
                       "raw": results, "unix_time": int(time.time())}, f, indent=2)
    return 0  # goals are reported, not enforced: a MISS is information, not a failure


if __name__ == "__main__":
    sys.exit(main())
