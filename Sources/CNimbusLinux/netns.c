#define _GNU_SOURCE
#include "CNimbusLinux.h"

#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <sys/socket.h>
#include <unistd.h>

#ifndef IP_FREEBIND
#define IP_FREEBIND 15
#endif

struct listen_job {
    pid_t pid;
    int port;
    int result;
};

/* Runs on its own thread: setns() changes only the calling thread, which then ends. */
static void *listen_thread(void *arg) {
    struct listen_job *job = arg;
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/ns/net", (int)job->pid);
    int ns = open(path, O_RDONLY | O_CLOEXEC);
    if (ns < 0) { job->result = -errno; return NULL; }
    if (setns(ns, CLONE_NEWNET) != 0) { job->result = -errno; close(ns); return NULL; }
    close(ns);
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) { job->result = -errno; return NULL; }
    int one = 1;
    /* FREEBIND: bind even if the sandbox has not brought `lo` up yet. */
    setsockopt(fd, IPPROTO_IP, IP_FREEBIND, &one, sizeof one);
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = htons((uint16_t)job->port)};
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&addr, sizeof addr) != 0 || listen(fd, 16) != 0) {
        job->result = -errno;
        close(fd);
        return NULL;
    }
    job->result = fd;
    return NULL;
}

int nimbus_listen_in_netns_of(pid_t pid, int port) {
    struct listen_job job = {.pid = pid, .port = port, .result = -EINVAL};
    pthread_t thread;
    int rc = pthread_create(&thread, NULL, listen_thread, &job);
    if (rc != 0) return -rc;
    pthread_join(thread, NULL);
    return job.result;
}
