#!/usr/bin/python3
"""Host side of the hostile checks: runs inside.py / escape_checks in sandboxes built by sandbox.py
and reads the cgroup counters afterwards. Needs root; cleans up everything it creates.
usage: /usr/bin/python3 hostile.py [all|checks|nosec|forkbomb|oom|tmp|cpu|peers|kill]
"""
import json, os, shutil, socket, subprocess, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox as sb

HERE = os.path.dirname(os.path.abspath(__file__))
TASK = f"{sb.PROBE}/hostile-task"
LOGS = f"{sb.PROBE}/logs"
UID = 200010
HOSTPORT = 18765


def prepare():
    os.makedirs(TASK, exist_ok=True); os.makedirs(LOGS, exist_ok=True)
    shutil.copy(f"{HERE}/inside.py", TASK)
    subprocess.run(["gcc", "-O2", "-pthread", "-o", f"{TASK}/escape_checks", f"{HERE}/escape_checks.c"], check=True)
    subprocess.run(["chmod", "-R", "a+rX", TASK], check=True)


def run(name, args, timeout=30, **kw):
    """Start a sandbox running inside.py ARGS, wait for it, return (exit status, stdout lines, cgroup stats)."""
    log = f"{LOGS}/{name}.log"
    open(log, "w").close()
    s = sb.Sandbox(name, UID, TASK, cmd=["/usr/bin/python3", "/var/task/inside.py"] + args,
                   env={"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}, log_path=log, **kw)
    try:
        s.start()
        try:
            code = os.waitstatus_to_exitcode(s.wait(timeout))
        except TimeoutError:
            code = "TIMEOUT"
        stats = s.cg.stats()
        t0 = time.monotonic()
        while s.cg.stats()["pids_current"] and time.monotonic() - t0 < 2:
            sb.reap_orphans(); time.sleep(0.0002)
        stats["pids_zero_after_ms"] = round((time.monotonic() - t0) * 1000, 2)
    finally:
        s.destroy()
    return code, open(log).read(), stats


def host_ip():
    out = subprocess.run(["ip", "-4", "-o", "addr", "show", "scope", "global"], capture_output=True, text=True).stdout
    return out.split()[3].split("/")[0] if out.strip() else "10.0.0.1"


def t_checks(seccomp=True):
    srv = subprocess.Popen(["/usr/bin/python3", "-m", "http.server", "--bind", "127.0.0.1", str(HOSTPORT),
                            "--directory", TASK], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        time.sleep(0.5)
        assert b"HTTP" in subprocess.run(["curl", "-s", "-I", f"http://127.0.0.1:{HOSTPORT}/"], capture_output=True).stdout
        code, out, _ = run("checks" if seccomp else "checks-nosec", ["checks", str(HOSTPORT), host_ip()], seccomp=seccomp)
        print(f"exit {code}\n{out}")
    finally:
        srv.kill(); srv.wait()


def t_forkbomb():
    code, out, st = run("forkbomb", ["forkbomb"], pids_max=64)
    print(f"pids.max=64: exit {code} {out.strip()} pids.events max={st['pids_events_max']} "
          f"pids.current right after bwrap exit={st['pids_current']}, 0 after reaping ({st['pids_zero_after_ms']} ms)")


def t_oom():
    code, out, st = run("oom", ["alloc", "400"], memory_mb=128)
    last = out.strip().splitlines()[-1] if out.strip() else ""
    print(f"128 MB, allocate 400 MB: exit {code}, last line {last}, oom_kill={st['oom_kill']} "
          f"max_usage={st['max_usage'] >> 20} MiB failcnt={st['failcnt']}")


def t_tmp():
    for mem, mb in ((128, 100), (128, 200), (1024, 600)):
        code, out, st = run(f"tmp{mem}", ["tmpfill", str(mb)], memory_mb=mem, tmp_mb=512)
        print(f"memory {mem} MB, /tmp 512 MB, write {mb} MB to /tmp: exit {code} {out.strip()[-120:]} "
              f"oom_kill={st['oom_kill']} max_usage={st['max_usage'] >> 20} MiB")


def t_cpu():
    for mem in (128, 1769):
        code, out, st = run(f"cpu{mem}", ["burn", "2"], memory_mb=mem)
        print(f"memory {mem} MB (quota {sb.cpu_quota_for(mem)} us/100 ms): {out.strip()} "
              f"cpuacct={st['cpu_ns'] / 1e9:.3f}s throttled={st['nr_throttled']}")


def t_peers():
    """Two sandboxes, each connects to 127.0.0.1:9001: each must land on its own listener only."""
    boxes = []
    for tag in ("sbA", "sbB"):
        log = f"{LOGS}/{tag}.log"; open(log, "w").close()
        s = sb.Sandbox(tag, UID + len(boxes) + 1, TASK, cmd=["/usr/bin/python3", "/var/task/inside.py", "connect", tag],
                       env={"PATH": "/usr/bin:/bin"}, log_path=log)
        s.start(); boxes.append((tag, s, log))
    for tag, s, log in boxes:
        s.listener.settimeout(5)
        c, _ = s.listener.accept(); got = c.recv(100).decode()
        c.sendall(f"listener-of-{tag}".encode()); c.close()
        s.listener.setblocking(False)
        try:
            s.listener.accept(); extra = "EXTRA CONNECTION"
        except BlockingIOError:
            extra = "no other connection"
        print(f"listener of {tag} accepted a client that says {got!r}; {extra}")
    for tag, s, log in boxes:
        s.wait(); s.destroy(); print(f"  {tag} output: {open(log).read().strip()}")


def t_kill():
    """Kill a sandbox that has background, re-parented and setsid'd children, with each method."""
    script = "sleep 100 & (sleep 100 &) ; setsid sleep 100 & sh -c 'while :; do sleep 1 & wait; done' & sleep 100"
    for method in ("pidns", "v2", "freezer", "loop"):
        s = sb.Sandbox(f"kill-{method}", UID, TASK, cmd=["/bin/sh", "-c", script], env={"PATH": "/usr/bin:/bin"},
                       join="procs" if method == "v2" else "tasks")
        s.start(); time.sleep(0.3)
        n = len(s.cg.pids())
        t0 = time.perf_counter_ns(); rounds = s.destroy(method); dt = (time.perf_counter_ns() - t0) / 1e6
        print(f"kill via {method:8s}: {n} tasks in cgroup -> destroyed (empty + rmdir) in {dt:.2f} ms, "
              f"{rounds} polls; outer bwrap exit {os.waitstatus_to_exitcode(s.status)}")


if __name__ == "__main__":
    what = sys.argv[1] if len(sys.argv) > 1 else "all"
    sb.become_subreaper(); sb.cleanup_all(); sb.Cgroup.ensure_parent(); prepare()
    try:
        for name, fn in (("checks", t_checks), ("nosec", lambda: t_checks(False)), ("forkbomb", t_forkbomb),
                         ("oom", t_oom), ("tmp", t_tmp), ("cpu", t_cpu), ("peers", t_peers), ("kill", t_kill)):
            if what in ("all", name):
                print(f"=== {name}"); fn()
        time.sleep(0.2); sb.reap_orphans()
        zombies = subprocess.run(["ps", "--ppid", str(os.getpid()), "-o", "pid=,stat=,comm="],
                                 capture_output=True, text=True).stdout
        zombies = "\n".join(l for l in zombies.splitlines() if not l.strip().endswith(" ps"))
        print(f"=== children of the supervisor left: {zombies or 'none'}")
    finally:
        left = sb.cleanup_all()
        if left: print(f"cleaned up leftover cgroups: {left}")
