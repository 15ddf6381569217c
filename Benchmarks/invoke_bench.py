#!/usr/bin/env python3
"""Nimbus invoke benchmark (issue 3), beside a same-run nginx floor measured with the same client.

Starts `nimbus serve` (root: it runs real sandboxes) and nginx on free 127.0.0.1 ports, then measures:
warm invoke latency and sequential throughput of a Python function through a raw keep-alive HTTP
client replaying one pre-signed Invoke request (the floor gets the same POST); the first invoke of
never-invoked functions when a pre-initialised instance is free (waiting a moment between them so the
pool refills; python3.11 for the goal and python3.12 beside it, as for the warm rows); cold starts with
no free instance (python3.11 functions whose shape, a 1 GB /tmp, no waiting instance has), beside a bare
Python start importing awslambdaric, run after each of them as their floor; nimbus RSS with 100 warm
sandboxes, and the memory a sandbox costs beyond its runtime process (the two bwrap processes around it).
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from bench_support import (HOST, ensure_tools, free_port, pct, report, rss_mb, start_nginx,  # noqa: E402
                           stop, wait_http_200)
from control_plane_bench import API, Nimbus, one_kb_zip, timed_loop  # noqa: E402

GOALS = {"warm_p50": 0.25, "warm_ratio": 3.0, "warm_p99": 1.0, "throughput": 4000, "pool_p50": 5.0,
         "cold_p50": 40.0, "overhead_mib": 5.0, "rss_100": 150.0}
REFILL_PAUSE = 0.6  # seconds between pool-hit invokes: a Python instance starts and imports awslambdaric
PYTHON_RUNTIME = os.environ.get("NIMBUS_PYTHON_RUNTIME", "/opt/nimbus/runtimes/python")


def bare_runtime_start_ms(cwd: str) -> float:
    """The cold start's floor on this machine: a fresh Debian python3 importing awslambdaric, as a sandbox's
    runtime does, with no sandbox, no Nimbus and no invocation (ms, wall clock)."""
    env = {"PYTHONPATH": PYTHON_RUNTIME, "PATH": "/usr/bin:/bin"}
    t0 = time.perf_counter()
    subprocess.run(["/usr/bin/python3", "-S", "-c", "import awslambdaric.__main__"], env=env, cwd=cwd, check=True)
    return (time.perf_counter() - t0) * 1e3


def invoke_target(name: str) -> str:
    return f"{API}/{name}/invocations"


def sandbox_overhead_mib(nimbus_pid: int) -> tuple[float, int]:
    """Mean RSS of the processes that are the sandbox and not its runtime (bwrap's launcher + the sandbox's
    pid 1) per sandbox, in MiB, and how many sandboxes (warm or waiting) there are."""
    children: dict[int, list[int]] = {}
    names: dict[int, str] = {}
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = open(f"/proc/{pid}/stat").read()
            names[int(pid)] = stat[stat.index("(") + 1:stat.rindex(")")]
            children.setdefault(int(stat[stat.rindex(")") + 2:].split()[1]), []).append(int(pid))
        except (OSError, ValueError):
            pass
    launchers = [p for p in children.get(nimbus_pid, []) if names.get(p) == "bwrap"]
    total = 0.0
    for launcher in launchers:
        total += rss_mb(launcher)
        # the sandbox's pid 1: bwrap's init, or `nimbus-spawn -H` when the runtime was forked in
        total += sum(rss_mb(p) for p in children.get(launcher, []))
    return (total / len(launchers) if launchers else float("nan")), len(launchers)


def fork_server_rss_mb(nimbus_pid: int) -> float:
    """RSS of nimbus serve's fork servers: its root children (forked runtimes, also its children once their
    forker exits, run as sandbox uids)."""
    total = 0.0
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            status = open(f"/proc/{pid}/status").read()
        except OSError:
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if int(fields["PPid"]) == nimbus_pid and fields["Uid"].split()[0] == "0":
            total += int(fields.get("VmRSS", "0 kB").split()[0]) / 1024
    return total


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--nimbus", required=True)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--json")
    args = ap.parse_args()
    if os.geteuid() != 0:
        print("invoke benchmark skipped: sandboxes need root")
        return 0
    ensure_tools()
    n_warm, n_hit, n_cold, n_pool = (300, 5, 5, 20) if args.quick else (2000, 20, 20, 100)
    procs, rows = [], []
    with tempfile.TemporaryDirectory(prefix="nimbus-invoke-bench-") as tmp:
        os.chmod(tmp, 0o711)
        try:
            nginx_port = free_port()
            procs.append(start_nginx(tmp, nginx_port))
            # Two 1,769 MB warm functions and a hundred 128 MB ones declare ≈ 16 GB: the memory budget (8 GiB by
            # default) is raised so that none is evicted, and the RSS row holds the sandboxes it names.
            os.environ["NIMBUS_MEMORY_BUDGET_MB"] = "20480"
            nimbus = Nimbus(args.nimbus, tmp)
            procs.append(nimbus.proc)
            wait_http_200(nimbus.proc, nimbus.port, "/health", 30, nimbus.log)
            zip_b64 = base64.b64encode(one_kb_zip()).decode()
            payload = b'{"n":1}'

            def warm_function(name: str, runtime: str) -> tuple[list[int], float, str]:
                """Creates `name`, cold-starts it once, then times n_warm sequential invokes."""
                # 1,769 MB: Lambda's one full vCPU (smaller sizes get a proportional CPU share, throttled).
                body = json.dumps({"FunctionName": name, "Runtime": runtime, "Handler": "app.handler",
                                   "Role": f"arn:aws:iam::{nimbus.account}:role/r", "MemorySize": 1769,
                                   "Code": {"ZipFile": zip_b64}}).encode()
                timed_loop(nimbus.port, 1,
                           lambda i: ("POST", API, body, nimbus.signer.sign("POST", nimbus.port, API, body)), 201)
                target = invoke_target(name)
                headers = nimbus.signer.sign("POST", nimbus.port, target, payload)
                timed_loop(nimbus.port, 1, lambda i: ("POST", target, payload, headers), 200)  # cold start first
                t0 = time.perf_counter()
                latencies = timed_loop(nimbus.port, n_warm, lambda i: ("POST", target, payload, headers), 200)
                return latencies, n_warm / (time.perf_counter() - t0), target

            # The installed interpreter is Python 3.11, so the function says python3.11; a python3.12 function
            # runs on the same interpreter, but awslambdaric then polls /next from a thread (as on AWS).
            warm, throughput, target = warm_function("warm", "python3.11")
            warm312, _, _ = warm_function("warm312", "python3.12")
            floor_headers = nimbus.signer.sign("POST", nginx_port, target, payload)
            floor = timed_loop(nginx_port, n_warm, lambda i: ("POST", target, payload, floor_headers), 200)
            w, f = pct(warm, 50, 99), pct(floor, 50, 99)
            rows += [("warm invoke p50 [ms]", w["p50"], f["p50"], GOALS["warm_p50"]),
                     ("warm invoke p99 [ms]", w["p99"], f["p99"], GOALS["warm_p99"]),
                     ("sequential invokes/s", throughput, None, GOALS["throughput"]),
                     ("warm invoke p50, a python3.12 function [ms]", pct(warm312, 50)["p50"], f["p50"], None)]
            # First invokes, as the warm rows: python3.11 for the goal, python3.12 beside it (its first /next also
            # starts a thread). The two alternate, so both see the same machine.
            hits = [f"hit-{i:03d}" for i in range(2 * n_hit)]
            hit_runtime = ["python3.11", "python3.12"]
            timed_loop(nimbus.port, len(hits),
                       lambda i: nimbus.create_request(hits[i], zip_b64, Runtime=hit_runtime[i % 2]), 201)
            names = [f"cold-{i:03d}" for i in range(max(n_cold, n_pool - len(hits)))]
            timed_loop(nimbus.port, len(names), lambda i: nimbus.create_request(
                names[i], zip_b64, Runtime="python3.11", EphemeralStorage={"Size": 1024}), 201)

            def first_invoke(functions, pause=0.0):
                def request(i):
                    time.sleep(pause)  # before the clock starts
                    t = invoke_target(functions[i])
                    return "POST", t, payload, nimbus.signer.sign("POST", nimbus.port, t, payload)
                return request

            time.sleep(REFILL_PAUSE)
            hit = timed_loop(nimbus.port, len(hits), first_invoke(hits, REFILL_PAUSE), 200)
            rows += [("first invoke, pre-initialised instance free, p50 [ms]", pct(hit[0::2], 50)["p50"], None,
                      GOALS["pool_p50"]),
                     ("first invoke, python3.12, instance free, p50 [ms]", pct(hit[1::2], 50)["p50"], None,
                      None)]
            # The floor runs after each cold start (outside the clocks), so both see the same machine.
            bare: list[float] = []
            empty = os.path.join(tmp, "empty")
            os.mkdir(empty)

            def cold_then_floor(i):
                if i > 0:
                    bare.append(bare_runtime_start_ms(empty))
                return first_invoke(names)(i)
            cold = timed_loop(nimbus.port, len(names), cold_then_floor, 200)
            bare.append(bare_runtime_start_ms(empty))
            bare_p50 = pct([int(ms * 1e6) for ms in bare], 50)["p50"]  # the same percentile as the nimbus column
            rows.append(("cold start, no free instance, p50 [ms]", pct(cold, 50)["p50"], bare_p50,
                         GOALS["cold_p50"]))
            overhead, sandboxes = sandbox_overhead_mib(nimbus.proc.pid)
            rows.append((f"nimbus RSS with {sandboxes} sandboxes [MB]", rss_mb(nimbus.proc.pid), None,
                         GOALS["rss_100"]))
            rows.append(("  with its fork server [MB]", rss_mb(nimbus.proc.pid) + fork_server_rss_mb(nimbus.proc.pid),
                         None, GOALS["rss_100"]))
            rows.append(("idle sandbox overhead beyond the runtime [MiB]", overhead, None, GOALS["overhead_mib"]))
        finally:
            for proc in reversed(procs):
                stop(proc)
    report(f"Nimbus invoke benchmark: {args.nimbus} (Python 3.11 + awslambdaric in bubblewrap sandboxes)", rows,
           args.json, width=50)
    print("floor of the cold start row: a bare `python3 -S -c 'import awslambdaric.__main__'` (no sandbox, no "
          "Nimbus), run after each cold start")
    return 0


if __name__ == "__main__":
    sys.exit(main())
