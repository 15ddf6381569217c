#!/usr/bin/python3
"""Interleaved timings for the sandbox recipe (run with Debian's /usr/bin/python3, as root).

  bench.py dance N        spawn -> exit of /bin/true: plain bwrap vs info/block-fd + setns listener (A)
                          vs supervisor-made netns (B); plus the host-side netns operations alone
  bench.py cold N         spawn -> first GET /next of awslambdaric: host (no sandbox), A with the CPU
                          quota lifted during init, A with the 128 MB quota from the start, B lifted
  bench.py warm R K       R rounds x K sequential invokes per variant (next -> response)

Every round runs each variant once, in an order that rotates from round to round. Reports
median/p10/p90 (p99 for warm) in ms and the load average before/after.
"""
import json, os, socket, statistics, sys, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox as sb, rtapi

TASK = f"{sb.PROBE}/task"
UID = 200100
ms = lambda a, b: (b - a) / 1e6


def summary(label, xs, p99=False):
    xs = sorted(xs); q = lambda p: xs[min(len(xs) - 1, int(p * len(xs)))]
    extra = f" p99={q(.99):8.3f} max={xs[-1]:8.3f}" if p99 else ""
    print(f"  {label:44s} n={len(xs):5d} median={statistics.median(xs):8.3f} p10={q(.1):8.3f} "
          f"p90={q(.9):8.3f}{extra}", flush=True)


def load():
    return "load %.2f %.2f %.2f" % os.getloadavg()


def interleave(n, variants, fn):
    """fn(variant, round) -> dict of named samples; returns {variant: {name: [samples]}}."""
    res = {v: {} for v in variants}
    for i in range(n):
        for k in range(len(variants)):
            v = variants[(i + k) % len(variants)]
            for name, x in fn(v, i).items():
                res[v].setdefault(name, []).append(x)
    return res


# ------------------------------------------------------------------------------------------- dance
def dance(n):
    def one(v, i):
        # quota lifted: with the 128 MB share (7.2 ms per 100 ms) bwrap's own setup gets throttled
        s = sb.Sandbox(f"d{v}{i}", UID, TASK, netns=v, cmd=["/bin/true"], env={"PATH": "/usr/bin"}, cpu_quota_us=-1)
        t = s.start()
        s.wait(None)
        end = time.perf_counter_ns()
        s.destroy()
        out = {"total spawn->exit": ms(t["t0"], end), "cgroup mkdir+limits": ms(t["t0"], t["cgroups"])}
        if v == "A":
            out["info-fd -> listener ready (setns dance)"] = ms(t["info"], t["listening"])
            out["posix_spawn -> info-fd"] = ms(t["spawned"], t["info"])
        if v == "B":
            out["netns+lo up+listener (pre-makeable)"] = ms(t["cgroups"], t["netns"])
        return out
    for _ in range(3):
        one("A", 0), one("B", 0), one("plain", 0)              # warm-up
    print(f"dance, {n} interleaved rounds, {load()}")
    res = interleave(n, ["plain", "A", "B"], one)
    for v, d in res.items():
        for name, xs in d.items():
            summary(f"{v}: {name}", xs)
    # the host-side operations alone, against one parked sandbox
    s = sb.Sandbox("dpark", UID, TASK, netns="A", cmd=["/bin/sleep", "60"], env={"PATH": "/usr/bin"})
    s.start(); s.listener.close(); s.listener = None   # rebind 127.0.0.1:9001 in its netns 200 times
    a, b = [], []
    for _ in range(200):
        t0 = time.perf_counter_ns(); l = sb.listen_in_netns_of(s.child_pid); t1 = time.perf_counter_ns()
        l.close()
        t2 = time.perf_counter_ns(); fd, l2 = sb.new_netns_with_listener(); t3 = time.perf_counter_ns()
        os.close(fd); l2.close()
        a.append(ms(t0, t1)); b.append(ms(t2, t3))
    s.destroy()
    summary("host only: open ns, setns, bind+listen, setns back", a)
    summary("host only: unshare netns, lo up, listen, back", b)
    print(f"  ({load()})")


# ------------------------------------------------------------------------------------------- cold
class HostRuntime:
    """awslambdaric without any sandbox: the floor for cold start and warm round trips."""
    def __init__(self):
        self.listener = socket.socket(); self.listener.bind(("127.0.0.1", 0)); self.listener.listen(8)
        env = sb.lambda_env()
        env.update(AWS_LAMBDA_RUNTIME_API="127.0.0.1:%d" % self.listener.getsockname()[1],
                   PYTHONPATH=f"{sb.VENV}/lib/python3.11/site-packages", LAMBDA_TASK_ROOT=TASK)
        cwd = os.getcwd(); os.chdir(TASK)
        try:
            self.pid = os.posix_spawn("/usr/bin/python3", ["/usr/bin/python3", "-m", "awslambdaric", "app.handler"], env,
                                      file_actions=[(os.POSIX_SPAWN_OPEN, 1, os.devnull, os.O_WRONLY, 0),
                                                    (os.POSIX_SPAWN_OPEN, 2, os.devnull, os.O_WRONLY, 0)])
        finally:
            os.chdir(cwd)
        sb.WATCHED.add(self.pid)

    def destroy(self):
        os.kill(self.pid, 9); os.waitpid(self.pid, 0); sb.WATCHED.discard(self.pid); self.listener.close()


def start_runtime(v, name, memory_mb=128):
    """Returns (runtime object, RuntimeAPI, t0, stage timestamps)."""
    t0 = time.perf_counter_ns()
    if v == "host":
        h = HostRuntime(); return h, rtapi.RuntimeAPI(h.listener), t0, {}
    final = sb.cpu_quota_for(memory_mb)
    s = sb.Sandbox(name, UID, TASK, memory_mb=memory_mb, netns=v[0], cpu_quota_us=(-1 if "boost" in v else final),
                   log_path=f"{sb.PROBE}/logs/{name}.log", join="procs" if v.endswith("procs") else "tasks")
    s.final_quota = final
    t = s.start()
    return s, rtapi.RuntimeAPI(s.listener), t0, t


def cold(n):
    variants = ["host", "A-boost", "A-boost-procs", "A-128", "B-boost"]
    def one(v, i):
        rt, api, t0, t = start_runtime(v, f"c{v}{i}")
        tn = api.wait_next(30)
        if "boost" in v:
            rt.cg.set_cpu_quota(rt.final_quota)              # init done: drop to the 128 MB share
        kind, body, a, b = api.invoke(b'{"cold": true}')
        assert kind == "response" and b"statusCode" in body, body
        out = {"spawn -> first /next": ms(t0, tn), "first invoke": ms(a, b)}
        if v.startswith("A-boost"):
            out["  cgroups created"] = ms(t0, t["cgroups"])
            out["  posix_spawn returned"] = ms(t0, t["spawned"])
            out["  info-fd read"] = ms(t0, t["info"])
            out["  listener ready + released"] = ms(t0, t["released"])
            out["  cpu ms used by init (cpuacct)"] = rt.cg.stats()["cpu_ns"] / 1e6
        api.close(); rt.destroy()
        return out
    for v in variants:
        one(v, "w")
    print(f"cold, {n} interleaved rounds, 128 MB functions, {load()}")
    res = interleave(n, variants, one)
    for v, d in res.items():
        for name, xs in d.items():
            summary(f"{v}: {name}", xs)
    print(f"  ({load()})")


# ------------------------------------------------------------------------------------------- warm
def warm(rounds, k):
    variants = {"host": ("host", 128, 0), "A-1769MB": ("A-boost", 1769, 0), "A-128MB": ("A-128", 128, 0),
                "A-128MB paced 10ms": ("A-128", 128, 0.010)}
    live = {}
    for name, (v, mem, _) in variants.items():
        rt, api, _, _ = start_runtime(v, "w" + name.replace(" ", "").replace("-", ""), memory_mb=mem)
        api.wait_next(30)
        if v == "A-boost":
            rt.cg.set_cpu_quota(rt.final_quota)
        for _ in range(50):
            api.invoke(b'{"warm": 1}')
        live[name] = (rt, api)
    cpu0 = {n: rt.cg.stats()["cpu_ns"] for n, (rt, _) in live.items() if n != "host"}

    def one(name, i):
        rt, api = live[name]
        gap = variants[name][2]
        rts, cyc = [], []
        for j in range(k):
            if gap:
                time.sleep(gap)
            api.wait_next()
            kind, body, a, b = api.invoke(json.dumps({"i": j}).encode())
            tn = api.wait_next()
            rts.append(ms(a, b)); cyc.append(ms(a, tn))
        return {"next->response": rts, "next->response->next parked": cyc}
    print(f"warm, {rounds} rounds x {k} invokes, {load()}")
    res = {n: {} for n in variants}
    names = list(variants)
    for i in range(rounds):
        for j in range(len(names)):
            n = names[(i + j) % len(names)]
            for key, xs in one(n, i).items():
                res[n].setdefault(key, []).extend(xs)
    for n, d in res.items():
        for key, xs in d.items():
            summary(f"{n}: {key}", xs, p99=True)
        if n != "host":
            st = live[n][0].cg.stats()
            print(f"    cpu per invoke (cpuacct) {(st['cpu_ns'] - cpu0[n]) / 1e6 / len(d['next->response']):.3f} ms, "
                  f"throttled periods {st['nr_throttled']}, max_usage {st['max_usage'] >> 20} MiB")
    for rt, api in live.values():
        api.close(); rt.destroy()
    print(f"  ({load()})")


if __name__ == "__main__":
    sb.become_subreaper(); sb.cleanup_all(); sb.Cgroup.ensure_parent()
    os.makedirs(f"{sb.PROBE}/logs", exist_ok=True)
    try:
        {"dance": lambda: dance(int(sys.argv[2])), "cold": lambda: cold(int(sys.argv[2])),
         "warm": lambda: warm(int(sys.argv[2]), int(sys.argv[3]))}[sys.argv[1]]()
    finally:
        left = sb.cleanup_all()
        if left:
            print(f"cleaned up leftover cgroups: {left}")
