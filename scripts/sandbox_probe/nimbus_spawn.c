/* nimbus_spawn: the tiny exec shim between the (multithreaded) supervisor and bwrap.
 *
 * The supervisor posix_spawn()s this program; it runs single-threaded, so everything here is
 * safe. In order:
 *   1. join the sandbox's cgroups       (-c FILE: our pid into FILE=.../cgroup.procs, or "0" into .../tasks)
 *   2. optionally enter a network ns    (-n FD: setns(FD, CLONE_NEWNET), then close FD)
 *   3. RLIMIT_CORE = 0 (hard), optional RLIMIT_NOFILE (-f N)
 *   4. mark every fd >= 3 close-on-exec except those named with -k FD
 *   5. drop to the unprivileged host uid/gid (-u UID -g GID; no passwd entry needed)
 *   6. execve(PROG, ARGS, {NULL})       (empty environment: bwrap's pid 1 keeps it in /proc/1/environ)
 *
 * usage: nimbus_spawn [-c FILE]... [-n FD] [-k FD]... [-f NOFILE] -u UID -g GID -- PROG ARGS...
 * Exit status 127 (+ a message on stderr) if any step fails; otherwise it becomes PROG.
 * build: gcc -O2 -Wall -o nimbus_spawn nimbus_spawn.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>
#include <linux/close_range.h>

static void die(const char *what, const char *arg) {
    fprintf(stderr, "nimbus_spawn: %s %s: %s\n", what, arg ? arg : "", strerror(errno));
    _exit(127);
}

int main(int argc, char **argv) {
    const char *cg[16]; int ncg = 0;
    int keep[16]; int nkeep = 0;
    int netns = -1; long uid = -1, gid = -1, nofile = 0;
    int opt;
    while ((opt = getopt(argc, argv, "+c:n:k:f:u:g:")) != -1) {
        switch (opt) {
        case 'c': if (ncg < 16) cg[ncg++] = optarg; break;
        case 'n': netns = atoi(optarg); break;
        case 'k': if (nkeep < 16) keep[nkeep++] = atoi(optarg); break;
        case 'f': nofile = atol(optarg); break;
        case 'u': uid = atol(optarg); break;
        case 'g': gid = atol(optarg); break;
        default: errno = EINVAL; die("bad option", NULL);
        }
    }
    if (optind >= argc || uid <= 0 || gid <= 0) { errno = EINVAL; die("need -u UID -g GID (non-zero) and PROG", NULL); }

    /* 1. cgroups: v1 needs one write per hierarchy (memory, cpu, cpuacct, pids, freezer, ...).
     * For a FILE ending in "/tasks" we write "0" (= the calling thread). We are single-threaded, so
     * that moves the whole process, and the kernel then skips the global cgroup_threadgroup_rwsem
     * write lock, whose RCU grace period costs ~10 ms after an idle spell (cgroup.procs always takes it). */
    char pid[32]; int n = snprintf(pid, sizeof pid, "%d\n", getpid());
    for (int i = 0; i < ncg; i++) {
        size_t len = strlen(cg[i]);
        int tasks = len >= 6 && strcmp(cg[i] + len - 6, "/tasks") == 0;
        int fd = open(cg[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0) die("open cgroup", cg[i]);
        if (tasks ? write(fd, "0\n", 2) != 2 : write(fd, pid, n) != n) die("join cgroup", cg[i]);
        close(fd);
    }
    /* 2. pre-made network namespace (variant B); variant A lets bwrap --unshare-net instead. */
    if (netns >= 0) {
        if (setns(netns, CLONE_NEWNET) != 0) die("setns net", NULL);
        close(netns);
    }
    /* 3. rlimits: no core files (core_pattern here is "core", i.e. into the sandbox's cwd/tmpfs). */
    struct rlimit zero = {0, 0};
    if (setrlimit(RLIMIT_CORE, &zero) != 0) die("setrlimit core", NULL);
    if (nofile > 0) {
        struct rlimit r = {(rlim_t)nofile, (rlim_t)nofile};
        if (setrlimit(RLIMIT_NOFILE, &r) != 0) die("setrlimit nofile", NULL);
    }
    /* 4. nothing but stdio and the named fds may cross exec. */
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) die("close_range", NULL);
    for (int i = 0; i < nkeep; i++)
        if (fcntl(keep[i], F_SETFD, 0) != 0) die("keep fd", NULL);
    /* 5. drop privileges for good: groups first, then gid, then uid. */
    if (setgroups(0, NULL) != 0) die("setgroups", NULL);
    if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) die("setresgid", NULL);
    if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) die("setresuid", NULL);
    if (setuid(0) == 0) { errno = EPERM; die("could regain root", NULL); }
    /* 6. exec with an empty environment. */
    char *envp[] = {NULL};
    execve(argv[optind], &argv[optind], envp);
    die("execve", argv[optind]);
}
