#define _GNU_SOURCE
#include "CNimbusLinux.h"

#include <errno.h>
#include <sched.h>
#include <seccomp.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

/* Default allow; what a function never needs and what widens the kernel attack surface fails with EPERM. */
static const char *const denied[] = {
    "unshare", "setns", "mount", "umount2", "pivot_root", "chroot", "open_tree", "move_mount", "fsopen",
    "fsconfig", "fsmount", "fspick", "mount_setattr", "ptrace", "process_vm_readv", "process_vm_writev",
    "pidfd_getfd", "kcmp", "keyctl", "add_key", "request_key", "bpf", "perf_event_open", "userfaultfd",
    "io_uring_setup", "io_uring_enter", "io_uring_register", "init_module", "finit_module", "delete_module",
    "kexec_load", "kexec_file_load", "reboot", "swapon", "swapoff", "acct", "quotactl", "quotactl_fd", "syslog",
    "vhangup", "iopl", "ioperm", "settimeofday", "clock_settime", "clock_adjtime", "open_by_handle_at",
    "name_to_handle_at", "lookup_dcookie", "uselib", "nfsservctl",
};

static int add_rule(scmp_filter_ctx ctx, uint32_t action, const char *name, unsigned n,
                    const struct scmp_arg_cmp *args) {
    int nr = seccomp_syscall_resolve_name(name);
    if (nr == __NR_SCMP_ERROR) return 0; /* not on this architecture */
    return seccomp_rule_add_array(ctx, action, nr, n, args);
}

int nimbus_seccomp_filter_fd(void) {
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (ctx == NULL) return -ENOMEM;
    int rc = seccomp_attr_set(ctx, SCMP_FLTATR_ACT_BADARCH, SCMP_ACT_KILL_PROCESS);
    for (unsigned i = 0; rc == 0 && i < sizeof denied / sizeof *denied; i++)
        rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), denied[i], 0, NULL);
    /* clone with any namespace flag; clone3 hides its flags in memory, so it reports ENOSYS (glibc falls back). */
    static const unsigned long nsflags[] = {CLONE_NEWNS, CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                            CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET};
    for (unsigned i = 0; rc == 0 && i < sizeof nsflags / sizeof *nsflags; i++) {
        struct scmp_arg_cmp arg = SCMP_A0(SCMP_CMP_MASKED_EQ, nsflags[i], nsflags[i]);
        rc = add_rule(ctx, SCMP_ACT_ERRNO(EPERM), "clone", 1, &arg);
    }
    if (rc == 0) rc = add_rule(ctx, SCMP_ACT_ERRNO(ENOSYS), "clone3", 0, NULL);
    /* vsock is not network-namespaced: it would reach the VM host. */
    if (rc == 0) {
        struct scmp_arg_cmp arg = SCMP_A0(SCMP_CMP_EQ, AF_VSOCK);
        rc = add_rule(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), "socket", 1, &arg);
    }
    int fd = -1;
    if (rc == 0) {
        fd = memfd_create("nimbus-seccomp", MFD_CLOEXEC);
        if (fd < 0) rc = -errno;
    }
    if (rc == 0) rc = seccomp_export_bpf(ctx, fd);
    if (rc == 0 && lseek(fd, 0, SEEK_SET) < 0) rc = -errno;
    seccomp_release(ctx);
    if (rc != 0) {
        if (fd >= 0) close(fd);
        return rc < 0 ? rc : -rc;
    }
    return fd;
}
