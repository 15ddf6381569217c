/* nimbus-spawn: the single-threaded exec shim between `nimbus serve` (multithreaded, must not fork by
 * hand) and bwrap. Spawned with posix_spawn; in order it
 *   1. joins the sandbox's cgroup v1 hierarchies: "0" into each given .../tasks file moves this
 *      (single-threaded) process without the global threadgroup lock that cgroup.procs takes;
 *   2. sets RLIMIT_CORE to 0;
 *   3. marks every fd above 2 close-on-exec except the ones named with -k;
 *   4. drops to the unprivileged sandbox uid/gid for good;
 *   5. execs PROG with an empty environment (bwrap's environment stays readable inside the sandbox).
 * usage: nimbus-spawn [-t TASKS_FILE]... [-k FD]... -u UID -g GID -- PROG ARGS...
 * Any failure: a message on stderr and exit status 127.
 *
 * `nimbus-spawn -H FD` is something else: the pid 1 of a sandbox whose runtime is forked in from outside
 * (`bwrap --as-pid-1`, see ForkServer.swift). It makes itself non-dumpable, writes one byte to FD once it
 * runs (bwrap has finished building the sandbox by then), lets the kernel reap every orphan (SIGCHLD
 * ignored), and sleeps. As pid 1 of its namespace it gets no signal from inside the sandbox that it does not
 * handle, so the function cannot end its own sandbox that way; Nimbus kills it from outside.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef CLOSE_RANGE_CLOEXEC
#define CLOSE_RANGE_CLOEXEC (1U << 2)
#endif

static void fail(const char *step, const char *detail) {
    fprintf(stderr, "nimbus-spawn: %s %s: %s\n", step, detail ? detail : "", strerror(errno));
    _exit(127);
}

static _Noreturn void hold(int ready) {
    /* Not dumpable: the runtime (same uid) can then neither open /proc/1/mem nor take its descriptors. */
    if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) fail("hold", "dumpable");
    signal(SIGCHLD, SIG_IGN);
    char byte = 1;
    if (write(ready, &byte, 1) != 1) fail("hold", "ready fd");
    close(ready);
    for (;;) pause();
}

int main(int argc, char **argv) {
    if (argc == 3 && strcmp(argv[1], "-H") == 0) hold(atoi(argv[2]));
    const char *tasks[16];
    int ntasks = 0, keep[16], nkeep = 0, opt;
    long uid = -1, gid = -1;
    while ((opt = getopt(argc, argv, "+t:k:u:g:")) != -1) {
        switch (opt) {
        case 't': if (ntasks < 16) tasks[ntasks++] = optarg; break;
        case 'k': if (nkeep < 16) keep[nkeep++] = atoi(optarg); break;
        case 'u': uid = atol(optarg); break;
        case 'g': gid = atol(optarg); break;
        default: errno = EINVAL; fail("usage", NULL);
        }
    }
    if (optind >= argc || uid <= 0 || gid <= 0) { errno = EINVAL; fail("usage", "need -u UID -g GID PROG"); }
    for (int i = 0; i < ntasks; i++) {
        int fd = open(tasks[i], O_WRONLY | O_CLOEXEC);
        if (fd < 0 || write(fd, "0\n", 2) != 2) fail("join cgroup", tasks[i]);
        close(fd);
    }
    struct rlimit none = {0, 0};
    if (setrlimit(RLIMIT_CORE, &none) != 0) fail("setrlimit", "core");
    if (syscall(SYS_close_range, 3U, ~0U, CLOSE_RANGE_CLOEXEC) != 0) fail("close_range", NULL);
    for (int i = 0; i < nkeep; i++)
        if (fcntl(keep[i], F_SETFD, 0) != 0) fail("keep fd", NULL);
    if (setgroups(0, NULL) != 0) fail("setgroups", NULL);
    if (setresgid((gid_t)gid, (gid_t)gid, (gid_t)gid) != 0) fail("setresgid", NULL);
    if (setresuid((uid_t)uid, (uid_t)uid, (uid_t)uid) != 0) fail("setresuid", NULL);
    if (setuid(0) == 0) { errno = EPERM; fail("privileges", "root could be regained"); }
    char *envp[] = {NULL};
    execve(argv[optind], &argv[optind], envp);
    fail("execve", argv[optind]);
}
