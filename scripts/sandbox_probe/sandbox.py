"""Prototype of the Nimbus sandbox driver (the shape NimbusSandbox should take in Swift).

  supervisor (this process: root, child subreaper, multithreaded)
    │ posix_spawn, fds 10=seccomp BPF, 11=info-fd (w), 12=block-fd (r)[, 13=netns]
    ▼
  nimbus_spawn (C shim): "0" > v1 */tasks → [setns net] → RLIMIT_CORE 0 → close-on-exec all but 10-13
                        → drop to host uid N → execve(bwrap, env={})
    ▼
  bwrap (outer, host pid ns, uid N) ──clone(NEWUSER|NEWPID|NEWNS|NEWIPC|NEWUTS|NEWCGROUP[|NEWNET])──▶
      pid 1 = bwrap's init (its host pid arrives on the info-fd), finishes the mounts, waits on block-fd,
      then seccomp + fork/exec → python3 -m awslambdaric app.handler  (uid 993 inside = host uid N)

Set up the working directory first: sh setup.sh

Runtime API transport, variant "A" (what the brief asked for): bwrap --unshare-net creates the
netns; the supervisor reads {"child-pid": P} from the info-fd, opens /proc/P/ns/net, and on a
dedicated thread does setns → socket/bind(127.0.0.1:9001)/listen → setns back, then writes one
byte to the block-fd. Variant "B": the supervisor makes the netns itself (unshare on the dedicated
thread), brings lo up, listens, keeps an fd to the netns and hands it to the shim (-n), and bwrap
runs without --unshare-net. Either way the listening fd never leaves the supervisor.
"""
import concurrent.futures, ctypes, errno, fcntl, json, os, secrets, signal, socket, struct, time

PROBE = os.environ.get("NIMBUS_PROBE_DIR", "/tmp/nimbus-probe")
SPAWN, BWRAP = f"{PROBE}/bin/nimbus_spawn", "/usr/bin/bwrap"
SECCOMP_BPF, VENV, ETC = f"{PROBE}/seccomp.bpf", f"{PROBE}/venv", f"{PROBE}/etc"
CGROOT, CGPARENT = "/sys/fs/cgroup", "nimbus-probe"
V1 = ("memory", "cpu", "cpuacct", "pids", "freezer")   # separate v1 mounts on this machine
V2 = "unified"              # hybrid cgroup2: only cgroup.kill / freeze; joining it costs the slow attach, see procs_files
PERIOD_US, FULL_CPU_MB = 100_000, 1769                 # Lambda: 1 vCPU at 1769 MB
RUNTIME_API = ("127.0.0.1", 9001)
FD_SECCOMP, FD_INFO, FD_BLOCK, FD_NETNS = 10, 11, 12, 13
DISABLE_USERNS = True    # bwrap --disable-userns (kernel-enforced; seccomp also blocks user namespaces)

libc = ctypes.CDLL(None, use_errno=True)
CLONE_NEWNET, PR_SET_CHILD_SUBREAPER, IP_FREEBIND = 0x40000000, 36, 15
SIOCGIFFLAGS, SIOCSIFFLAGS, IFF_UP = 0x8913, 0x8914, 0x1


def _check(rc, what):
    if rc != 0:
        e = ctypes.get_errno()
        raise OSError(e, f"{what}: {os.strerror(e)}")


def become_subreaper():
    _check(libc.prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0), "prctl(PR_SET_CHILD_SUBREAPER)")


EXITED, WATCHED = {}, set()   # wait statuses of pids someone owns; adopted pid-1 zombies are just dropped


def reap_orphans():
    """The single reaper: waitpid(-1) for every exited child, including sandbox pid-1s re-parented
    to us (we are a subreaper). Statuses are kept in EXITED for whoever owns the pid."""
    while True:
        try:
            pid, st = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        if pid in WATCHED:
            WATCHED.discard(pid); EXITED[pid] = st


# ---------------------------------------------------------------------------- cgroups (v1 + v2 dir)
def _w(path, value):
    with open(path, "w") as f:
        f.write(str(value))


def _r(path):
    with open(path) as f:
        return f.read()


def cpu_quota_for(memory_mb):
    """Lambda's rule: CPU proportional to memory, 1 vCPU at 1769 MB. v1 minimum quota is 1000 us."""
    return max(1000, PERIOD_US * memory_mb // FULL_CPU_MB)


class Cgroup:
    def __init__(self, name):
        self.name = name
        self.dir = {c: f"{CGROOT}/{c}/{CGPARENT}/{name}" for c in V1 + (V2,)}

    @staticmethod
    def ensure_parent():
        for c in V1 + (V2,):
            os.makedirs(f"{CGROOT}/{c}/{CGPARENT}", exist_ok=True)

    def create(self, memory_mb, pids_max, cpu_quota_us):
        for d in self.dir.values():
            os.mkdir(d)
        m = self.dir["memory"]
        # new cgroup: both limits are "unlimited"; memsw must stay >= limit at every step.
        _w(f"{m}/memory.limit_in_bytes", memory_mb << 20)
        _w(f"{m}/memory.memsw.limit_in_bytes", memory_mb << 20)
        _w(f"{self.dir['cpu']}/cpu.cfs_period_us", PERIOD_US)
        _w(f"{self.dir['cpu']}/cpu.cfs_quota_us", cpu_quota_us)
        _w(f"{self.dir['pids']}/pids.max", pids_max)

    def set_cpu_quota(self, quota_us):
        _w(f"{self.dir['cpu']}/cpu.cfs_quota_us", quota_us)

    def procs_files(self, join="tasks"):
        """What the shim writes to. "tasks": "0" into each v1 `tasks` file: the single-threaded shim moves
        itself without the global threadgroup rwsem (no RCU grace period: ~0.2 ms instead of 6-15 ms after
        an idle spell); cgroup2 has no such file, so the v2 dir is then left out. "procs": pid into every
        cgroup.procs including v2 (slow after idle, but enables cgroup.kill)."""
        if join == "tasks":
            return [f"{self.dir[c]}/tasks" for c in V1]
        return [f"{d}/cgroup.procs" for d in self.dir.values()]

    def pids(self):
        return [int(x) for x in _r(f"{self.dir['pids']}/cgroup.procs").split()]

    def stats(self):
        m, oc = self.dir["memory"], {}
        for line in _r(f"{m}/memory.oom_control").splitlines():
            k, v = line.split()
            oc[k] = int(v)
        cs = dict(l.split() for l in _r(f"{self.dir['cpu']}/cpu.stat").splitlines())
        return {
            "max_usage": int(_r(f"{m}/memory.max_usage_in_bytes")),
            "usage": int(_r(f"{m}/memory.usage_in_bytes")),
            "failcnt": int(_r(f"{m}/memory.failcnt")),
            "oom_kill": oc.get("oom_kill", 0), "under_oom": oc.get("under_oom", 0),
            "cpu_ns": int(_r(f"{self.dir['cpuacct']}/cpuacct.usage")),
            "nr_throttled": int(cs["nr_throttled"]),
            "pids_current": int(_r(f"{self.dir['pids']}/pids.current")),
            "pids_events_max": int(_r(f"{self.dir['pids']}/pids.events").split()[1]),
        }

    def kill_all(self, method="v2", timeout=2.0):
        """Kill every task in the cgroup. Returns the number of rounds needed (or raises)."""
        end, rounds = time.monotonic() + timeout, 0
        if method == "v2":                     # cgroup.kill on the hybrid cgroup2 directory
            _w(f"{self.dir[V2]}/cgroup.kill", 1)
        elif method == "freezer":              # v1 freezer: stop forks first, then kill, then thaw
            fz = self.dir["freezer"]
            _w(f"{fz}/freezer.state", "FROZEN")
            while _r(f"{fz}/freezer.state").strip() != "FROZEN" and time.monotonic() < end:
                time.sleep(0.0005)
            for p in self.pids():
                try: os.kill(p, signal.SIGKILL)
                except ProcessLookupError: pass
            _w(f"{fz}/freezer.state", "THAWED")   # SIGKILL is delivered once thawed
        while True:                            # "loop": repeat until empty (also the wait for the others)
            left = self.pids()
            if not left:
                return rounds
            if method == "loop":
                for p in left:
                    try: os.kill(p, signal.SIGKILL)
                    except ProcessLookupError: pass
            rounds += 1
            if time.monotonic() > end:
                raise RuntimeError(f"cgroup {self.name} still has {left}")
            reap_orphans()
            time.sleep(0.0002)

    def destroy(self):
        for c, d in self.dir.items():
            for i in range(200):
                try:
                    os.rmdir(d); break
                except FileNotFoundError:
                    break
                except OSError as e:
                    if e.errno != errno.EBUSY or i == 199:
                        raise
                    reap_orphans(); time.sleep(0.001)


def remove_parent():
    for c in V1 + (V2,):
        try: os.rmdir(f"{CGROOT}/{c}/{CGPARENT}")
        except FileNotFoundError: pass


def cleanup_all():
    """Kill whatever is left in any probe cgroup, remove them all and the parent (crash recovery)."""
    base = f"{CGROOT}/pids/{CGPARENT}"
    names = [n for n in os.listdir(base) if os.path.isdir(f"{base}/{n}")] if os.path.isdir(base) else []
    for n in names:
        cg = Cgroup(n)
        if os.path.isdir(cg.dir[V2]):
            _w(f"{cg.dir[V2]}/cgroup.kill", 1)
        cg.kill_all("loop")
        cg.destroy()
    reap_orphans()
    remove_parent()
    return names


# ---------------------------------------------------------------------------- network namespaces
_pool = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="netns")
_HOST_NS = os.open("/proc/self/ns/net", os.O_RDONLY | os.O_CLOEXEC)   # opened before any setns


def _back_home():
    if libc.setns(_HOST_NS, CLONE_NEWNET) != 0:
        os.abort()   # a worker thread stuck in a sandbox netns must never serve anything else


def _listener():
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)   # created in the thread's current netns
    s.setsockopt(socket.SOL_IP, IP_FREEBIND, 1)   # bind even if bwrap has not brought lo up yet
    s.bind(RUNTIME_API)
    s.listen(8)
    return s


def _listen_in(ns_path):
    fd = os.open(ns_path, os.O_RDONLY | os.O_CLOEXEC)
    try:
        _check(libc.setns(fd, CLONE_NEWNET), "setns")
        try:
            return _listener()
        finally:
            _back_home()
    finally:
        os.close(fd)


def _lo_up():
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    try:
        flags = struct.unpack("16sH", fcntl.ioctl(s, SIOCGIFFLAGS, struct.pack("16sH14x", b"lo", 0))[:18])[1]
        fcntl.ioctl(s, SIOCSIFFLAGS, struct.pack("16sH14x", b"lo", flags | IFF_UP))
    finally:
        s.close()


def _new_netns():
    _check(libc.unshare(CLONE_NEWNET), "unshare(CLONE_NEWNET)")   # only this thread moves
    try:
        _lo_up()
        return os.open("/proc/thread-self/ns/net", os.O_RDONLY | os.O_CLOEXEC), _listener()
    finally:
        _back_home()


def listen_in_netns_of(pid):
    """Variant A: a listening socket on 127.0.0.1:9001 inside the netns of host pid `pid`."""
    return _pool.submit(_listen_in, f"/proc/{pid}/ns/net").result()


def new_netns_with_listener():
    """Variant B: (netns fd, listening socket) for a fresh namespace made by the supervisor."""
    return _pool.submit(_new_netns).result()


# ---------------------------------------------------------------------------- the sandbox
def _high(fd):
    """Move fd to a number >= 100 (close-on-exec), so it cannot collide with the child's target fds."""
    n = fcntl.fcntl(fd, fcntl.F_DUPFD_CLOEXEC, 100)
    os.close(fd)
    return n


def lambda_env(function="probe", memory_mb=128, handler="app.handler"):
    return {
        "AWS_LAMBDA_RUNTIME_API": "%s:%d" % RUNTIME_API, "_HANDLER": handler,
        "LAMBDA_TASK_ROOT": "/var/task", "LAMBDA_RUNTIME_DIR": "/var/runtime",
        "AWS_LAMBDA_FUNCTION_NAME": function, "AWS_LAMBDA_FUNCTION_VERSION": "$LATEST",
        "AWS_LAMBDA_FUNCTION_MEMORY_SIZE": str(memory_mb),
        "AWS_LAMBDA_LOG_GROUP_NAME": f"/aws/lambda/{function}",
        "AWS_LAMBDA_LOG_STREAM_NAME": time.strftime("%Y/%m/%d/[$LATEST]") + secrets.token_hex(16),
        "AWS_LAMBDA_INITIALIZATION_TYPE": "on-demand", "AWS_EXECUTION_ENV": "AWS_Lambda_python3.11",
        "AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1",
        "LANG": "C.UTF-8", "TZ": ":UTC", "PATH": "/usr/local/bin:/usr/bin:/bin",
        "PYTHONPATH": "/var/runtime/lib/python3.11/site-packages",
    }


def bwrap_argv(task_dir, env, cmd, tmp_mb=512, unshare_net=True, seccomp=True, dance=True):
    a = [BWRAP, "--unshare-user", "--uid", "993", "--gid", "990"] + (["--disable-userns"] if DISABLE_USERNS else []) + [
         "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup", "--hostname", "sandbox"]
    if unshare_net:
        a += ["--unshare-net"]
    a += ["--ro-bind", "/usr", "/usr",
          "--symlink", "usr/bin", "/bin", "--symlink", "usr/sbin", "/sbin",
          "--symlink", "usr/lib", "/lib", "--symlink", "usr/lib64", "/lib64",
          "--ro-bind", "/etc/ld.so.cache", "/etc/ld.so.cache", "--ro-bind", "/etc/localtime", "/etc/localtime",
          "--ro-bind", f"{ETC}/passwd", "/etc/passwd", "--ro-bind", f"{ETC}/group", "/etc/group",
          "--ro-bind", f"{ETC}/hosts", "/etc/hosts",
          "--proc", "/proc", "--dev", "/dev", "--remount-ro", "/dev",
          "--size", str(tmp_mb << 20), "--perms", "1777", "--tmpfs", "/tmp",
          "--ro-bind", task_dir, "/var/task", "--ro-bind", VENV, "/var/runtime",
          "--remount-ro", "/", "--chdir", "/var/task", "--clearenv"]
    for k, v in env.items():
        a += ["--setenv", k, v]
    a += ["--die-with-parent", "--new-session"]
    if dance:
        a += ["--info-fd", str(FD_INFO), "--block-fd", str(FD_BLOCK)]
    if seccomp:
        a += ["--seccomp", str(FD_SECCOMP)]
    return a + ["--"] + cmd


class Sandbox:
    def __init__(self, name, uid, task_dir, memory_mb=128, pids_max=64, tmp_mb=512, cpu_quota_us=None,
                 netns="A", seccomp=True, cmd=None, env=None, log_path=None, join="tasks"):
        self.name, self.uid, self.task_dir = name, uid, task_dir
        self.memory_mb, self.pids_max, self.tmp_mb = memory_mb, pids_max, tmp_mb
        self.cpu_quota_us = cpu_quota_us if cpu_quota_us is not None else cpu_quota_for(memory_mb)
        self.netns, self.seccomp = netns, seccomp    # netns: "A" (bwrap + setns dance), "B" (pre-made), "plain"
        self.cmd = cmd or ["/usr/bin/python3", "-m", "awslambdaric", "app.handler"]
        self.env = env if env is not None else lambda_env(memory_mb=memory_mb)
        self.log_path = log_path or os.devnull
        self.cg, self.join = Cgroup(name), join
        self.pid = self.child_pid = self.listener = self.netns_fd = None
        self.status = None

    def start(self):
        """Create cgroups, spawn, wire the Runtime API listener, release. Returns stage timestamps (ns)."""
        t = {"t0": time.perf_counter_ns()}
        self.cg.create(self.memory_mb, self.pids_max, self.cpu_quota_us)
        t["cgroups"] = time.perf_counter_ns()
        if self.netns == "B":
            self.netns_fd, self.listener = new_netns_with_listener()
            t["netns"] = time.perf_counter_ns()
        # Every fd handed to the child is first moved to >= 100: posix_spawn's dup2 actions run in order,
        # so a source fd that happens to be 10-13 would be clobbered by an earlier action. (Seen here: the
        # block pipe's read end was overwritten, and bwrap, which ignores a failing read on --block-fd,
        # ran on without waiting.) Swift must do the same.
        info_r, info_w = map(_high, os.pipe())
        block_r, block_w = map(_high, os.pipe())
        sec = _high(os.open(SECCOMP_BPF, os.O_RDONLY | os.O_CLOEXEC))
        log = _high(os.open(self.log_path, os.O_WRONLY | os.O_CREAT | os.O_APPEND | os.O_CLOEXEC, 0o644))
        keep = [FD_SECCOMP, FD_INFO, FD_BLOCK]
        fa = [(os.POSIX_SPAWN_OPEN, 0, os.devnull, os.O_RDONLY, 0),
              (os.POSIX_SPAWN_DUP2, log, 1), (os.POSIX_SPAWN_DUP2, log, 2),
              (os.POSIX_SPAWN_DUP2, sec, FD_SECCOMP), (os.POSIX_SPAWN_DUP2, info_w, FD_INFO),
              (os.POSIX_SPAWN_DUP2, block_r, FD_BLOCK)]
        shim = [SPAWN]
        for f in self.cg.procs_files(self.join):
            shim += ["-c", f]
        if self.netns == "B":
            self.netns_fd = _high(self.netns_fd)
            fa.append((os.POSIX_SPAWN_DUP2, self.netns_fd, FD_NETNS))
            shim += ["-n", str(FD_NETNS)]
        for k in keep:
            shim += ["-k", str(k)]
        shim += ["-f", "1024", "-u", str(self.uid), "-g", str(self.uid), "--"]
        argv = shim + bwrap_argv(self.task_dir, self.env, self.cmd, self.tmp_mb, unshare_net=(self.netns != "B"),
                                 seccomp=self.seccomp, dance=(self.netns != "plain"))
        try:
            self.pid = os.posix_spawn(SPAWN, argv, {}, file_actions=fa)
            WATCHED.add(self.pid)
        finally:
            for fd in (info_w, block_r, sec, log):
                os.close(fd)
            if self.netns_fd is not None:
                os.close(self.netns_fd); self.netns_fd = None   # the sandbox's processes hold it now
        t["spawned"] = time.perf_counter_ns()
        if self.netns == "plain":          # baseline: no info/block fds, no listener (nothing can reach us)
            os.close(info_r); os.close(block_w)
            return t
        try:
            buf = b""
            while True:                                   # {"child-pid": N, ...}
                chunk = os.read(info_r, 4096)
                if not chunk:
                    raise RuntimeError(f"bwrap exited before info-fd ({self.log_path})")
                buf += chunk
                try:
                    self.child_pid = json.loads(buf)["child-pid"]; break
                except ValueError:
                    continue
            t["info"] = time.perf_counter_ns()
            if self.netns == "A":
                self.listener = listen_in_netns_of(self.child_pid)
                t["listening"] = time.perf_counter_ns()
            os.write(block_w, b"x")                        # sandbox continues: seccomp, exec
            t["released"] = time.perf_counter_ns()
        finally:
            os.close(info_r); os.close(block_w)
        return t

    def wait(self, timeout=10.0):
        """Wait for the outer bwrap; returns its wait status. timeout=None blocks in waitpid (only safe
        when this thread is the only reaper, as in the benchmarks)."""
        if self.status is None and timeout is None:
            reap_orphans()
            if self.pid in EXITED:
                self.status = EXITED.pop(self.pid)
            else:
                self.status = os.waitpid(self.pid, 0)[1]; WATCHED.discard(self.pid)
        end = time.monotonic() + (timeout or 0)
        while self.status is None:
            reap_orphans()
            if self.pid in EXITED:
                self.status = EXITED.pop(self.pid)
                break
            if time.monotonic() > end:
                raise TimeoutError(self.name)
            time.sleep(0.0005)
        return self.status

    def kill(self):
        """SIGKILL the sandbox's pid 1: the kernel kills its whole pid namespace; bwrap then exits."""
        if self.child_pid:
            try: os.kill(self.child_pid, signal.SIGKILL)
            except ProcessLookupError: pass

    def destroy(self, kill_method="pidns"):
        if kill_method == "pidns":
            self.kill()
            rounds = self.cg.kill_all("none")
        else:
            rounds = self.cg.kill_all(kill_method)
        if self.pid and self.status is None:
            self.wait()
        reap_orphans()
        if self.listener:
            self.listener.close()
        self.cg.destroy()
        return rounds
