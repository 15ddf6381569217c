#define _GNU_SOURCE
#include "CNimbusLinux.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <signal.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

int nimbus_become_subreaper(void) {
    return prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0 ? 0 : -errno;
}

int nimbus_spawn(const char *path, char *const argv[], const int *sources, const int *targets, int count,
                 pid_t *pid) {
    posix_spawn_file_actions_t actions;
    int rc = posix_spawn_file_actions_init(&actions);
    if (rc != 0) return rc;
    /* Move every source above all targets first, so no dup2 overwrites a source still to be placed. */
    int high[32];
    if (count > 32) { posix_spawn_file_actions_destroy(&actions); return EINVAL; }
    for (int i = 0; i < count; i++) high[i] = -1;
    int stdio_mapped[3] = {0, 0, 0};
    for (int i = 0; i < count; i++) {
        high[i] = fcntl(sources[i], F_DUPFD_CLOEXEC, 200);
        if (high[i] < 0) { rc = errno; goto done; }
        if (targets[i] >= 0 && targets[i] < 3) stdio_mapped[targets[i]] = 1;
    }
    for (int i = 0; i < 3; i++) {
        if (!stdio_mapped[i]) {
            rc = posix_spawn_file_actions_addopen(&actions, i, "/dev/null", i == 0 ? O_RDONLY : O_WRONLY, 0);
            if (rc != 0) goto done;
        }
    }
    for (int i = 0; i < count && rc == 0; i++) rc = posix_spawn_file_actions_adddup2(&actions, high[i], targets[i]);
    if (rc == 0) {
        char *envp[] = {NULL};
        rc = posix_spawn(pid, path, &actions, NULL, argv, envp);
    }
done:
    for (int i = 0; i < count; i++) if (high[i] >= 0) close(high[i]);
    posix_spawn_file_actions_destroy(&actions);
    return rc;
}

#ifndef P_PIDFD
#define P_PIDFD 3
#endif

int nimbus_pidfd_open(pid_t pid) {
    long fd = syscall(SYS_pidfd_open, pid, 0);
    if (fd < 0) return -errno;
    fcntl((int)fd, F_SETFD, FD_CLOEXEC);
    return (int)fd;
}

int nimbus_pidfd_signal(int pidfd, int sig) {
    return syscall(SYS_pidfd_send_signal, pidfd, sig, NULL, 0) == 0 ? 0 : -errno;
}

int nimbus_pidfd_try_reap(int pidfd, int *status) {
    siginfo_t info;
    memset(&info, 0, sizeof info);
    if (waitid((idtype_t)P_PIDFD, (id_t)pidfd, &info, WEXITED | WNOHANG) != 0) return -errno;
    if (info.si_pid == 0) return 0;
    /* Re-encode as a wait status: exit code in bits 8-15, or the terminating signal in bits 0-6. */
    *status = info.si_code == CLD_EXITED ? (info.si_status & 0xff) << 8 : (info.si_status & 0x7f);
    return 1;
}


int nimbus_pipe(int fds[2]) {
    return pipe2(fds, O_CLOEXEC) == 0 ? 0 : -errno;
}
