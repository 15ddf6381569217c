#define _GNU_SOURCE
#include "CNimbusLinux.h"

#include <errno.h>
#include <stddef.h>
#include <poll.h>
#include <sys/epoll.h>

int nimbus_epoll_create(void) {
    int fd = epoll_create1(EPOLL_CLOEXEC);
    return fd < 0 ? -errno : fd;
}

int nimbus_epoll_add(int epoll, int fd, uint64_t token, int once) {
    struct epoll_event event = {.events = EPOLLIN | (once ? EPOLLONESHOT : 0), .data.u64 = token};
    return epoll_ctl(epoll, EPOLL_CTL_ADD, fd, &event) == 0 ? 0 : -errno;
}

int nimbus_epoll_remove(int epoll, int fd) {
    return epoll_ctl(epoll, EPOLL_CTL_DEL, fd, NULL) == 0 ? 0 : -errno;
}

int nimbus_epoll_wait(int epoll, uint64_t *tokens, int capacity) {
    struct epoll_event events[64];
    int n = epoll_wait(epoll, events, capacity < 64 ? capacity : 64, -1);
    if (n < 0) return -errno;
    for (int i = 0; i < n; i++) tokens[i] = events[i].data.u64;
    return n;
}

int nimbus_fd_readable(int fd, int timeout_ms) {
    struct pollfd entry = {.fd = fd, .events = POLLIN};
    int n;
    do n = poll(&entry, 1, timeout_ms);
    while (n < 0 && errno == EINTR);
    if (n < 0) return -errno;
    return n > 0 && (entry.revents & (POLLIN | POLLHUP)) ? 1 : 0;
}
