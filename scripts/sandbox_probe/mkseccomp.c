/* mkseccomp: write the sandbox's seccomp deny-list as raw BPF (for `bwrap --seccomp FD`).
 * Default ALLOW; listed syscalls fail with EPERM; clone3 fails with ENOSYS (glibc then falls back
 * to clone, whose flags we *can* inspect); foreign architectures (i386 int 0x80, x32) are killed.
 * build: gcc -O2 -Wall -o mkseccomp mkseccomp.c -lseccomp      run: mkseccomp OUT.bpf
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <seccomp.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

static const char *deny[] = {
    /* namespaces and mounts (old and new mount API) */
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot",
    "open_tree", "move_mount", "fsopen", "fsconfig", "fsmount", "fspick", "mount_setattr",
    /* looking into / controlling other processes */
    "ptrace", "process_vm_readv", "process_vm_writev", "pidfd_getfd", "kcmp",
    /* big kernel attack surface that functions do not need */
    "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register",
    /* host administration */
    "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load", "reboot",
    "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog", "vhangup", "iopl", "ioperm",
    "settimeofday", "clock_settime", "clock_adjtime", "open_by_handle_at", "name_to_handle_at",
    "lookup_dcookie", "uselib", "nfsservctl",
};

static void add(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n, const struct scmp_arg_cmp *a) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) { fprintf(stderr, "mkseccomp: unknown syscall %s (skipped)\n", name); return; }
    int rc = seccomp_rule_add_array(ctx, action, nr, n, a);
    if (rc != 0) { fprintf(stderr, "mkseccomp: rule %s: %d\n", name, rc); _exit(1); }
}

int main(int argc, char **argv) {
    if (argc != 2) { fprintf(stderr, "usage: mkseccomp OUT.bpf\n"); return 2; }
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    /* Anything not x86_64 (i386 via int 0x80, x32 syscall numbers) is killed outright. */
    seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    for (unsigned i = 0; i < sizeof deny / sizeof *deny; i++) add(ctx, SCMP_ACT_ERRNO(EPERM), deny[i], 0, NULL);

    /* clone(2): refuse any CLONE_NEW* flag (one masked rule per flag = "any bit set"). */
    static const unsigned long nsflags[] = {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                            CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET};
    for (unsigned i = 0; i < sizeof nsflags / sizeof *nsflags; i++) {
        struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_MASKED_EQ, nsflags[i], nsflags[i]);
        add(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &a);
    }
    /* clone3 passes flags in a struct seccomp cannot read: make it look absent. */
    add(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);

    /* personality(2) is left alone: ADDR_NO_RANDOMIZE & co. only weaken the caller's own later exec,
     * and libseccomp cannot express "arg0 not in {0, 8, 0xffffffff}" in one rule (one comparison per arg). */
    /* AF_VSOCK is not network-namespaced: it would reach the VM host's agents. */
    {
        struct scmp_arg_cmp a = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
        add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &a);
    }

    int fd = open(argv[1], O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0) { perror("mkseccomp: export"); return 1; }
    close(fd);
    seccomp_release(ctx);
    return 0;
}
