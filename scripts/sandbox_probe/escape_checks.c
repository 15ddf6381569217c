/* escape_checks: run inside the sandbox; prints one "name: result" line per attempt.
 * NEVER run it on the host as root: it really calls mount(2), ptrace(2) on pid 1, etc. main() refuses
 * unless it is non-root and in a new pid namespace.
 * Each attempt runs in a forked child, so a seccomp kill (SIGSYS) is reported, not fatal.
 * build: gcc -O2 -Wall -pthread -o escape_checks escape_checks.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <linux/bpf.h>
#include <linux/perf_event.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static long r(long rc) { return rc < 0 ? -errno : rc; }

static long t_unshare_user(void) { return r(unshare(CLONE_NEWUSER)); }
static long t_unshare_net(void) { return r(unshare(CLONE_NEWNET)); }
static long t_clone_newuser(void) {   /* raw clone(2) with a namespace flag */
    long pid = syscall(SYS_clone, CLONE_NEWUSER | SIGCHLD, 0, 0, 0, 0);
    if (pid == 0) _exit(0);
    if (pid > 0) { waitpid(pid, 0, 0); return 0; }
    return -errno;
}
static long t_clone3(void) {
    struct { unsigned long long flags, pidfd, child_tid, parent_tid, exit_signal, stack, stack_size, tls; } a = {0};
    a.flags = CLONE_NEWUSER; a.exit_signal = SIGCHLD;
    long pid = syscall(435 /* clone3 */, &a, sizeof a);
    if (pid == 0) _exit(0);
    if (pid > 0) { waitpid(pid, 0, 0); return 0; }
    return -errno;
}
static long t_setns(void) {
    int fd = open("/proc/self/ns/net", O_RDONLY);
    return r(setns(fd, 0));
}
static long t_mount(void) { return r(mount("none", "/tmp", "tmpfs", 0, NULL)); }
static long t_ptrace(void) { return r(ptrace(PTRACE_ATTACH, 1, 0, 0)); }
static long t_vm_readv(void) {
    char buf[8]; struct iovec l = {buf, 8}, rr = {(void *)0x400000, 8};
    return r(process_vm_readv(1, &l, 1, &rr, 1, 0));
}
static long t_keyctl(void) { return r(syscall(SYS_keyctl, 0 /* GET_KEYRING_ID */, -3, 0)); }
static long t_bpf(void) { union bpf_attr a; memset(&a, 0, sizeof a); return r(syscall(SYS_bpf, BPF_MAP_CREATE, &a, sizeof a)); }
static long t_perf(void) {
    struct perf_event_attr a; memset(&a, 0, sizeof a); a.size = sizeof a; a.type = PERF_TYPE_SOFTWARE;
    return r(syscall(SYS_perf_event_open, &a, 0, -1, -1, 0));
}
static long t_userfaultfd(void) { return r(syscall(SYS_userfaultfd, 0)); }
static long t_io_uring(void) { char p[120] = {0}; return r(syscall(425 /* io_uring_setup */, 1, p)); }
static long t_vsock(void) { return r(socket(40 /* AF_VSOCK */, SOCK_STREAM, 0)); }
static long t_core_pattern(void) { return r(open("/proc/sys/kernel/core_pattern", O_WRONLY)); }
static long t_sysrq(void) { return r(open("/proc/sysrq-trigger", O_WRONLY)); }
static long t_setuid0(void) { return r(setuid(0)); }
static long t_x32_unshare(void) { return r(syscall(0x40000000 | 272, CLONE_NEWUSER)); }
static long t_i386_unshare(void) {   /* int 0x80 with the i386 number of unshare (310) */
    long ret;
    __asm__ volatile("int $0x80" : "=a"(ret) : "a"(310), "b"(CLONE_NEWUSER) : "memory");
    return ret;
}
static void *thr(void *p) { return p; }
static long t_pthread(void) {   /* glibc tries clone3 first; we return ENOSYS and it must fall back */
    pthread_t t; int e = pthread_create(&t, NULL, thr, NULL);
    if (e) return -e;
    pthread_join(t, NULL); return 0;
}

static struct { const char *name; long (*fn)(void); } tests[] = {
    {"unshare(CLONE_NEWUSER)", t_unshare_user}, {"unshare(CLONE_NEWNET)", t_unshare_net},
    {"clone(CLONE_NEWUSER)", t_clone_newuser}, {"clone3(CLONE_NEWUSER)", t_clone3},
    {"setns", t_setns}, {"mount tmpfs", t_mount}, {"ptrace(ATTACH, 1)", t_ptrace},
    {"process_vm_readv(1)", t_vm_readv}, {"keyctl", t_keyctl}, {"bpf", t_bpf},
    {"perf_event_open", t_perf}, {"userfaultfd", t_userfaultfd}, {"io_uring_setup", t_io_uring},
    {"socket(AF_VSOCK)", t_vsock}, {"open core_pattern O_WRONLY", t_core_pattern},
    {"open /proc/sysrq-trigger O_WRONLY", t_sysrq}, {"setuid(0)", t_setuid0},
    {"x32 unshare", t_x32_unshare}, {"i386 int80 unshare", t_i386_unshare},
    {"pthread_create", t_pthread},
};

int main(void) {
    /* These calls are real (mount, ptrace of pid 1, ...). Outside a sandbox, as root, they would act on
     * the host: refuse unless we are non-root and inside a fresh pid namespace. */
    if (geteuid() == 0 || getpid() > 100) {
        fprintf(stderr, "escape_checks: refusing to run outside the sandbox (euid %d, pid %d)\n", geteuid(), getpid());
        return 2;
    }
    for (unsigned i = 0; i < sizeof tests / sizeof *tests; i++) {
        fflush(stdout);
        int p[2]; if (pipe(p)) return 1;
        pid_t pid = fork();
        if (pid == 0) { long v = tests[i].fn(); if (write(p[1], &v, sizeof v) < 0) _exit(3); _exit(0); }
        close(p[1]);
        long v; ssize_t n = read(p[0], &v, sizeof v); close(p[0]);
        int st; waitpid(pid, &st, 0);
        if (n == sizeof v)
            printf("%-34s %s\n", tests[i].name, v < 0 ? strerror((int)-v) : "ALLOWED (succeeded)");
        else if (WIFSIGNALED(st))
            printf("%-34s killed by signal %d (%s)\n", tests[i].name, WTERMSIG(st), strsignal(WTERMSIG(st)));
        else
            printf("%-34s no result, status %d\n", tests[i].name, st);
    }
    return 0;
}
