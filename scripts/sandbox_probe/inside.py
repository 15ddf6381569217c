"""Runs INSIDE a sandbox (as /var/task/inside.py). Prints JSON: what a hostile function can and cannot do.
usage: python3 inside.py checks HOSTPORT HOSTIP | forkbomb | alloc MB | tmpfill MB | burn SECONDS | connect TAG
"""
import errno, json, os, socket, subprocess, sys, time


def attempt(fn):
    try:
        r = fn()
        return "ALLOWED" if r is None else f"ALLOWED: {r}"
    except OSError as e:
        return f"denied: {errno.errorcode.get(e.errno, e.errno)}"


def write(path):
    with open(path, "w") as f:
        f.write("x")


def connect(host, port):
    s = socket.socket(); s.settimeout(1)
    try:
        s.connect((host, port)); return "connected"
    finally:
        s.close()


def checks(hostport, hostip):
    out = {}
    for d in ("/root", "/work", "/home", "/etc", "/var", "/run", "/sys"):
        out[f"list {d}"] = attempt(lambda d=d: len(os.listdir(d)))
    out["read /etc/shadow"] = attempt(lambda: open("/etc/shadow").read(1))
    out["/proc/1/environ bytes"] = attempt(lambda: len(open("/proc/1/environ", "rb").read()))
    for p in ("/x", "/usr/x", "/var/task/x", "/var/runtime/x", "/etc/x", "/dev/x", "/proc/sys/kernel/core_pattern",
              "/proc/sysrq-trigger", "/sys/fs/cgroup/x", "/tmp/ok"):
        out[f"write {p}"] = attempt(lambda p=p: write(p))
    out["pids visible"] = sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
    out["uid/gid"] = f"{os.getuid()}/{os.getgid()}"
    out["uid_map"] = open("/proc/self/uid_map").read().split()
    out["/proc/self/cgroup"] = open("/proc/self/cgroup").read().split()[:3]
    out["max_user_namespaces"] = open("/proc/sys/user/max_user_namespaces").read().strip()
    out["hostname"] = socket.gethostname()
    out["interfaces"] = [l.split(":")[0].strip() for l in open("/proc/net/dev").read().splitlines()[2:]]
    out[f"connect host 127.0.0.1:{hostport}"] = attempt(lambda: connect("127.0.0.1", hostport))
    out[f"connect host {hostip}:{hostport}"] = attempt(lambda: connect(hostip, hostport))
    out["connect 1.1.1.1:80"] = attempt(lambda: connect("1.1.1.1", 80))
    out["unshare -U true"] = subprocess.run(["unshare", "-U", "true"], capture_output=True, text=True).stderr.strip()
    out["escape_checks"] = subprocess.run(["/var/task/escape_checks"], capture_output=True, text=True).stdout.splitlines()
    with open("/proc/self/status") as f:
        out["status"] = [l.strip() for l in f if l.split(":")[0] in ("CapEff", "CapBnd", "NoNewPrivs", "Seccomp")]
    print(json.dumps(out, indent=1))


def forkbomb():
    kids, err = [], None
    while len(kids) < 10000:
        try:
            pid = os.fork()
        except OSError as e:
            err = errno.errorcode.get(e.errno); break
        if pid == 0:
            time.sleep(30); os._exit(0)
        kids.append(pid)
    print(json.dumps({"forked": len(kids), "then": err}), flush=True)
    time.sleep(0.2)     # let the supervisor read pids.current while they live
    for k in kids:
        os.kill(k, 9)
    for k in kids:
        os.waitpid(k, 0)


def alloc(mb):
    chunks = []
    for i in range(mb):
        chunks.append(bytearray(1 << 20))            # touched: bytearray zero-fills
        if i % 16 == 0:
            print(json.dumps({"allocated_mb": i + 1}), flush=True)
    print(json.dumps({"allocated_mb": mb, "survived": True}), flush=True)


def tmpfill(mb):
    done = 0
    try:
        with open("/tmp/fill", "wb") as f:
            for done in range(1, mb + 1):
                f.write(b"\0" * (1 << 20)); f.flush()
    except OSError as e:
        print(json.dumps({"tmp_written_mb": done - 1, "error": errno.errorcode.get(e.errno)}), flush=True); return
    print(json.dumps({"tmp_written_mb": done}), flush=True)


def burn(seconds):
    t0, c0 = time.monotonic(), time.process_time()
    while time.monotonic() - t0 < seconds:
        pass
    print(json.dumps({"wall_s": seconds, "cpu_s": round(time.process_time() - c0, 3)}), flush=True)


def tagged_connect(tag):
    s = socket.create_connection(("127.0.0.1", 9001), timeout=2)
    s.sendall(tag.encode()); print(json.dumps({"sent": tag, "reply": s.recv(100).decode()}), flush=True)


if __name__ == "__main__":
    cmd, args = sys.argv[1], sys.argv[2:]
    {"checks": lambda: checks(int(args[0]), args[1]), "forkbomb": forkbomb, "alloc": lambda: alloc(int(args[0])),
     "tmpfill": lambda: tmpfill(int(args[0])), "burn": lambda: burn(float(args[0])),
     "connect": lambda: tagged_connect(args[0])}[cmd]()
