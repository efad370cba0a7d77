#define _GNU_SOURCE
#include "fake_worker.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

static int recv_all(int fd, void *buf, size_t n) {
    unsigned char *p = buf;
    while (n) {
        ssize_t k = recv(fd, p, n, 0);
        if (k <= 0) return -1;
        p += k;
        n -= (size_t)k;
    }
    return 0;
}

static void send_frame(fake_worker *w, int fd, int type, const void *payload, uint64_t len) {
    unsigned char h[40] = {'S', 'I', 'T', 'U', 1, 0, (unsigned char)type, 0};
    memcpy(h + 8, w->token, 16);
    memcpy(h + 24, &len, 8);
    send(fd, h, sizeof h, MSG_NOSIGNAL);
    if (len) send(fd, payload, len, MSG_NOSIGNAL);
}

static void *serve(void *arg) {
    fake_worker *w = arg;
    int fd = accept(w->listen_fd, NULL, NULL);
    if (fd < 0) return NULL;
    unsigned char *shm = NULL;
    size_t shm_bytes = 0;
    bool steered = false;
    for (;;) {
        unsigned char h[40];
        if (recv_all(fd, h, sizeof h) || memcmp(h, "SITU", 4) || memcmp(h + 8, w->token, 16)) break;
        uint16_t type;
        uint64_t len;
        memcpy(&type, h + 6, 2);
        memcpy(&len, h + 24, 8);
        if (type == 3) { /* BLOCK */
            unsigned char meta[128];
            if (recv_all(fd, meta, sizeof meta)) break;
            fake_block b = {0};
            uint64_t off;
            memcpy(&b.step, meta, 8);
            memcpy(&b.array_id, meta + 8, 4);
            memcpy(&b.ndim, meta + 12, 4);
            memcpy(b.start, meta + 16, 48);
            memcpy(b.count, meta + 64, 48);
            memcpy(&b.nbytes, meta + 112, 8);
            memcpy(&off, meta + 120, 8);
            b.data = malloc(b.nbytes ? b.nbytes : 1);
            if (off == UINT64_MAX) {
                if (recv_all(fd, b.data, b.nbytes)) break;
            } else if (shm && off + b.nbytes <= shm_bytes) {
                memcpy(b.data, shm + off, b.nbytes);
                if (w->release_shm) {
                    uint64_t rel[2] = {off, b.nbytes};
                    send_frame(w, fd, 9, rel, sizeof rel);
                }
            }
            pthread_mutex_lock(&w->mu);
            w->blocks = realloc(w->blocks, (size_t)(w->nblocks + 1) * sizeof *w->blocks);
            w->blocks[w->nblocks++] = b;
            pthread_mutex_unlock(&w->mu);
            continue;
        }
        char *payload = malloc(len + 1);
        if (recv_all(fd, payload, len)) {
            free(payload);
            break;
        }
        payload[len] = 0;
        pthread_mutex_lock(&w->mu);
        if (type == 1) { /* HELLO */
            snprintf(w->hello, sizeof w->hello, "%s", payload);
            char *s = strstr(payload, "\"shm\":\"");
            if (s) {
                char name[128];
                sscanf(s + 7, "%127[^\"]", name);
                char *b = strstr(payload, "\"shm_bytes\":");
                shm_bytes = b ? (size_t)atoll(b + 12) : 0;
                int sfd = shm_open(name, O_RDONLY, 0);
                if (sfd >= 0) {
                    shm = mmap(NULL, shm_bytes, PROT_READ, MAP_SHARED, sfd, 0);
                    close(sfd);
                    shm_unlink(name);
                    w->shm_used = shm != MAP_FAILED;
                    if (shm == MAP_FAILED) shm = NULL;
                }
            }
            pthread_mutex_unlock(&w->mu);
            send_frame(w, fd, 6, w->welcome, strlen(w->welcome));
            if (w->garbage_after_welcome) send(fd, "GARBAGE-GARBAGE-GARBAGE-GARBAGE-GARBAGE!", 40, MSG_NOSIGNAL);
            pthread_mutex_lock(&w->mu);
        } else if (type == 2) {
            w->arrays++;
        } else if (type == 4) {
            w->step_ends++;
            if (strstr(payload, "\"dropped\": true")) w->dropped_step_ends++;
            if (w->push_steer && !steered) {
                steered = true;
                pthread_mutex_unlock(&w->mu);
                send_frame(w, fd, 8, w->push_steer, strlen(w->push_steer));
                pthread_mutex_lock(&w->mu);
            }
        } else if (type == 5) {
            w->byes++;
        }
        pthread_mutex_unlock(&w->mu);
        free(payload);
        if (type == 5) break;
    }
    if (shm) munmap(shm, shm_bytes);
    close(fd);
    return NULL;
}

int fake_worker_start(fake_worker *w, const char *welcome, bool shm) {
    w->welcome = welcome;
    pthread_mutex_init(&w->mu, NULL);
    for (int i = 0; i < 16; ++i) w->token[i] = (unsigned char)(i * 17 + 3);
    w->listen_fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    socklen_t al = sizeof a;
    if (bind(w->listen_fd, (struct sockaddr *)&a, sizeof a) || listen(w->listen_fd, 4)) return -1;
    getsockname(w->listen_fd, (struct sockaddr *)&a, &al);
    w->port = ntohs(a.sin_port);
    char host[256] = "";
    gethostname(host, sizeof host - 1);
    snprintf(w->conn_path, sizeof w->conn_path, "/tmp/situ-test-%d-%d.json", (int)getpid(), w->port);
    FILE *f = fopen(w->conn_path, "w");
    if (!f) return -1;
    fprintf(f, "{\"version\": 1, \"token\": \"");
    for (int i = 0; i < 16; ++i) fprintf(f, "%02x", w->token[i]);
    fprintf(f, "\", \"scheduler\": \"none\", \"workers\": [{\"name\": \"fake\", \"host\": \"%s\", "
               "\"address\": \"127.0.0.1\", \"port\": %d, \"shm\": %s}]}\n",
            host, w->port, shm ? "true" : "false");
    fclose(f);
    return pthread_create(&w->thread, NULL, serve, w);
}

void fake_worker_join(fake_worker *w) {
    pthread_join(w->thread, NULL);
    close(w->listen_fd);
}

void fake_worker_free(fake_worker *w) {
    for (int i = 0; i < w->nblocks; ++i) free(w->blocks[i].data);
    free(w->blocks);
    unlink(w->conn_path);
    pthread_mutex_destroy(&w->mu);
}
