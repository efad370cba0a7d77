/* Frames over TCP (docs/protocol.md): header packing, connect, send, receive. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "internal.h"

static const unsigned char zero_token[16];

void situ_wire_header(unsigned char out[SITU_HEADER_SIZE], int type, const unsigned char token[16],
                      uint64_t length) {
    uint16_t version = SITU_PROTOCOL_VERSION, t = (uint16_t)type;
    uint32_t zero = 0;
    memcpy(out, "SITU", 4);
    memcpy(out + 4, &version, 2);
    memcpy(out + 6, &t, 2);
    memcpy(out + 8, token, 16);
    memcpy(out + 24, &length, 8);
    memcpy(out + 32, &zero, 4);
    memcpy(out + 36, &zero, 4);
}

int situ_wire_connect(const char *address, int port, double timeout, char *err, size_t errlen) {
    char portstr[16];
    snprintf(portstr, sizeof portstr, "%d", port);
    struct addrinfo hints = {.ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM}, *res = NULL;
    int gai = getaddrinfo(address, portstr, &hints, &res);
    if (gai) {
        snprintf(err, errlen, "cannot resolve %s: %s", address, gai_strerror(gai));
        return -1;
    }
    int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        freeaddrinfo(res);
        return -1;
    }
    int flags = fcntl(fd, F_GETFL);
    fcntl(fd, F_SETFL, flags | O_NONBLOCK);
    int rc = connect(fd, res->ai_addr, res->ai_addrlen);
    freeaddrinfo(res);
    if (rc && errno == EINPROGRESS) {
        struct pollfd p = {.fd = fd, .events = POLLOUT};
        rc = poll(&p, 1, (int)(timeout * 1000));
        if (rc == 1) {
            int so = 0;
            socklen_t sl = sizeof so;
            getsockopt(fd, SOL_SOCKET, SO_ERROR, &so, &sl);
            rc = so ? (errno = so, -1) : 0;
        } else {
            if (rc == 0) errno = ETIMEDOUT;
            rc = -1;
        }
    }
    if (rc) {
        snprintf(err, errlen, "cannot connect to %s:%d: %s", address, port, strerror(errno));
        close(fd);
        return -1;
    }
    fcntl(fd, F_SETFL, flags);
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

int situ_wire_send_all(int fd, const void *buf, size_t len) {
    const unsigned char *p = buf;
    while (len) {
        ssize_t n = send(fd, p, len, MSG_NOSIGNAL);
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

static int recv_all(int fd, void *buf, size_t len, double deadline) {
    unsigned char *p = buf;
    while (len) {
        if (deadline > 0) {
            double left = deadline - situ_now();
            struct pollfd pf = {.fd = fd, .events = POLLIN};
            if (left <= 0 || poll(&pf, 1, (int)(left * 1000) + 1) == 0) return -2;
        }
        ssize_t n = recv(fd, p, len, 0);
        if (n == 0) return -1;
        if (n < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += n;
        len -= (size_t)n;
    }
    return 0;
}

int situ_wire_recv(int fd, const unsigned char token[16], double timeout, int *type,
                   unsigned char **payload, uint64_t *len, char *err, size_t errlen) {
    unsigned char h[SITU_HEADER_SIZE];
    double deadline = timeout >= 0 ? situ_now() + timeout : 0;
    *payload = NULL;
    int rc = recv_all(fd, h, sizeof h, deadline);
    if (rc) {
        snprintf(err, errlen, rc == -2 ? "no answer from the worker" : "the worker closed the connection");
        return SITU_ERR_CONNECT;
    }
    uint16_t version, t;
    memcpy(&version, h + 4, 2);
    memcpy(&t, h + 6, 2);
    memcpy(len, h + 24, 8);
    if (memcmp(h, "SITU", 4)) {
        snprintf(err, errlen, "the worker sent a frame with a bad magic");
        return SITU_ERR_PROTOCOL;
    }
    if (version != SITU_PROTOCOL_VERSION) {
        snprintf(err, errlen, "the worker speaks protocol %u, this rank %d", version, SITU_PROTOCOL_VERSION);
        return SITU_ERR_PROTOCOL;
    }
    bool tok_ok = !memcmp(h + 8, token, 16) || (t == MSG_ERROR && !memcmp(h + 8, zero_token, 16));
    if (!tok_ok) {
        snprintf(err, errlen, "the worker sent a frame with the wrong session token");
        return SITU_ERR_PROTOCOL;
    }
    if (*len > SITU_MAX_CONTROL) {
        snprintf(err, errlen, "the worker sent a %llu-byte control frame", (unsigned long long)*len);
        return SITU_ERR_PROTOCOL;
    }
    *payload = malloc(*len + 1);
    if (!*payload) return SITU_ERR_NOMEM;
    if (recv_all(fd, *payload, *len, deadline)) {
        free(*payload);
        *payload = NULL;
        snprintf(err, errlen, "the worker closed the connection mid-frame");
        return SITU_ERR_CONNECT;
    }
    (*payload)[*len] = 0;
    *type = t;
    return SITU_OK;
}
