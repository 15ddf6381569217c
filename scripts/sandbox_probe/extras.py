#!/usr/bin/python3
"""Smaller questions behind the recipe (root; cleans up after itself):
  freebind   how often is lo still down when the info-fd arrives (bind without IP_FREEBIND)?
  pdeathsig  does --die-with-parent kill the sandbox when the *thread* that spawned it exits?
  bindfd     code dir under a 0700 parent: --ro-bind and --ro-bind-fd both fail for the unprivileged
             uid; a shared sandbox gid with a 0750 root:gid parent works
  tmpperm    /tmp inside: mode, size
"""
import errno, os, shutil, socket, subprocess, sys, threading, time
sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import sandbox as sb

UID, TASK = 200200, f"{sb.PROBE}/task"


def freebind(n=40):
    def plain_bind():
        s = socket.socket(); s.bind(sb.RUNTIME_API); s.listen(8); return s
    fails = 0
    orig = sb._listener
    sb._listener = plain_bind
    try:
        for i in range(n):
            s = sb.Sandbox(f"fb{i}", UID, TASK, cmd=["/bin/true"], env={}, cpu_quota_us=-1)
            try:
                s.start()
            except OSError as e:
                if e.errno != errno.EADDRNOTAVAIL: raise
                fails += 1
                os.kill(s.child_pid, 9)
            s.destroy()
    finally:
        sb._listener = orig
    print(f"bind(127.0.0.1:9001) right after info-fd, without IP_FREEBIND: EADDRNOTAVAIL in {fails}/{n} starts")


def pdeathsig():
    """bwrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the spawning *thread* exits.
    The outer bwrap then dies; the sandbox's pid 1 dies too only if it has already armed its own
    PDEATHSIG (it does so after the block-fd release), otherwise it is orphaned and keeps running."""
    for linger in (0.0, 0.3):
        box = {}
        def spawn():
            s = sb.Sandbox("pd", UID, TASK, cmd=["/bin/sleep", "30"], env={}, cpu_quota_us=-1)
            s.start(); box["s"] = s
            time.sleep(linger)
        t = threading.Thread(target=spawn); t.start(); t.join()      # the spawning thread is gone now
        time.sleep(1.0); sb.reap_orphans()
        s = box["s"]
        print(f"spawning thread exits {linger:.1f} s after start(): outer bwrap "
              f"{'killed' if s.pid in sb.EXITED else 'alive'}, tasks still in the sandbox cgroup after 1 s: {len(s.cg.pids())}")
        s.destroy()


def bindfd():
    secret = f"{sb.PROBE}/private"            # like a data dir under /root: 0700, owned by root
    code = f"{secret}/code"
    os.makedirs(code, exist_ok=True); os.chmod(secret, 0o700)
    shutil.copy(f"{TASK}/app.py", code); os.chmod(code, 0o755); os.chmod(f"{code}/app.py", 0o644)
    s = sb.Sandbox("bf1", UID, code, cmd=["/bin/ls", "/var/task"], env={}, cpu_quota_us=-1,
                   log_path=f"{sb.PROBE}/logs/bf1.log")
    open(s.log_path, "w").close()
    try:
        s.start(); s.wait(5)
    except Exception as e:
        print(f"  (start raised {e!r})")   # bwrap died before writing the info-fd
    s.destroy()
    print(f"--ro-bind {code} /var/task (parent 0700):", open(s.log_path).read().strip())
    # --ro-bind-fd: root opens the dir (O_PATH), bwrap mounts the fd; no path walk as the sandbox uid
    fd = os.open(code, os.O_PATH | os.O_DIRECTORY | os.O_CLOEXEC)
    hi = fcntl_high(fd)
    argv = [sb.SPAWN, "-k", "20", "-u", str(UID), "-g", str(UID), "--", sb.BWRAP, "--unshare-all", "--uid", "993",
            "--ro-bind", "/usr", "/usr", "--symlink", "usr/bin", "/bin", "--symlink", "usr/lib", "/lib",
            "--symlink", "usr/lib64", "/lib64", "--ro-bind-fd", "20", "/var/task", "--", "/bin/ls", "-l", "/var/task"]
    os.dup2(hi, 20)
    r = subprocess.run(argv, pass_fds=(20,), capture_output=True, text=True)
    os.close(20); os.close(hi)
    print(f"--ro-bind-fd (fd opened by root): rc={r.returncode} {r.stdout.strip()} {r.stderr.strip()}")
    # what works: parent 0750 root:G, every sandbox runs with the shared gid G (bwrap maps it to 990)
    G = 200999
    os.chown(secret, 0, G); os.chmod(secret, 0o750)
    argv[argv.index("-g") + 1] = str(G)
    del argv[argv.index("-k"):argv.index("-k") + 2]
    argv[argv.index("--ro-bind-fd"):argv.index("--ro-bind-fd") + 3] = ["--ro-bind", code, "/var/task"]
    r = subprocess.run(argv, capture_output=True, text=True)
    print(f"--ro-bind, parent 0750 root:{G}, sandbox gid {G}: rc={r.returncode} {r.stdout.strip()} {r.stderr.strip()}")
    shutil.rmtree(secret)


def fcntl_high(fd):
    import fcntl
    n = fcntl.fcntl(fd, fcntl.F_DUPFD, 100); os.close(fd); return n


def tmpperm():
    log = f"{sb.PROBE}/logs/tp.log"; open(log, "w").close()
    s = sb.Sandbox("tp", UID, TASK, cmd=["/bin/sh", "-c", "stat -c '%A %U' /tmp; df -h /tmp | tail -1"],
                   env={"PATH": "/usr/bin:/bin"}, cpu_quota_us=-1, log_path=log)
    s.start(); s.wait(5); s.destroy()
    print("/tmp inside:", " | ".join(open(log).read().split("\n")))


if __name__ == "__main__":
    sb.become_subreaper(); sb.cleanup_all(); sb.Cgroup.ensure_parent()
    try:
        for name in (sys.argv[1:] or ["freebind", "pdeathsig", "bindfd", "tmpperm"]):
            globals()[name]()
    finally:
        sb.cleanup_all()
