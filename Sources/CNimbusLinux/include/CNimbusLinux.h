#ifndef CNIMBUS_LINUX_H
#define CNIMBUS_LINUX_H

#include <stdint.h>
#include <sys/types.h>

/// Creates a TCP socket listening on 127.0.0.1:`port` inside the network namespace of process `pid`
/// (entered on a short-lived thread of its own, so no thread of the caller changes namespace).
/// Returns the listening fd (close-on-exec, non-blocking) or -errno.
int nimbus_listen_in_netns_of(pid_t pid, int port);

/// Makes the calling process a child subreaper (orphans of sandboxes are reparented to it). 0 or -errno.
int nimbus_become_subreaper(void);

/// posix_spawn(`path`, `argv`, empty environment) with `count` fds placed at exact numbers:
/// `sources[i]` becomes `targets[i]` in the child (overlaps between sources and targets are handled).
/// Stdin/stdout/stderr of the child are /dev/null unless 0/1/2 are among the targets.
/// Returns 0 and stores the child's pid, or an errno value.
int nimbus_spawn(const char *path, char *const argv[], const int *sources, const int *targets, int count,
                 pid_t *pid);

/// Builds the sandbox seccomp filter (deny-list: namespaces, mounts, ptrace, keyctl, bpf, perf,
/// userfaultfd, io_uring, modules, kexec, …; foreign architectures killed) and returns a memfd holding
/// the raw BPF program, positioned at offset 0, for `bwrap --seccomp FD`. -errno on failure.
int nimbus_seccomp_filter_fd(void);

/// A pidfd for `pid` (close-on-exec): signals and waits through it can never reach a process that later
/// reuses the pid. Returns the fd or -errno.
int nimbus_pidfd_open(pid_t pid);

/// Sends `sig` through a pidfd. 0 or -errno (ESRCH once the process is gone).
int nimbus_pidfd_signal(int pidfd, int sig);

/// Reaps the process behind `pidfd` if it is our child and has exited: 1 reaped (status stored),
/// 0 still running, -errno otherwise (ECHILD: not ours to reap, or already reaped).
int nimbus_pidfd_try_reap(int pidfd, int *status);

/// pipe2(fds, O_CLOEXEC). 0 or -errno.
int nimbus_pipe(int fds[2]);

/// An epoll instance (close-on-exec), or -errno.
int nimbus_epoll_create(void);

/// Watches `fd` for readability (level-triggered; `once`: reported once, then disabled until removed),
/// reported as `token`. 0 or -errno.
int nimbus_epoll_add(int epoll, int fd, uint64_t token, int once);

/// Stops watching `fd` (which must still be open). 0 or -errno.
int nimbus_epoll_remove(int epoll, int fd);

/// Blocks until at least one watched descriptor is ready; stores up to `capacity` (at most 64) tokens.
/// Returns how many, or -errno (EINTR).
int nimbus_epoll_wait(int epoll, uint64_t *tokens, int capacity);

/// Whether `fd` is readable (a pipe: data or its end; a pidfd: its process has exited), waiting up to
/// `timeout_ms` (0: not at all; an interrupted wait starts again). 1, 0 or -errno.
int nimbus_fd_readable(int fd, int timeout_ms);

/// socketpair(AF_UNIX, SOCK_SEQPACKET, close-on-exec): each send arrives as one message. 0 or -errno.
int nimbus_seqpacket_pair(int fds[2]);

/// Sends `length` bytes as one message with up to 16 descriptors attached (SCM_RIGHTS; no SIGPIPE; never
/// blocks: EAGAIN when the receiver's queue is full). 0 or -errno.
int nimbus_send_with_fds(int sock, const uint8_t *bytes, size_t length, const int *fds, int count);

#endif
