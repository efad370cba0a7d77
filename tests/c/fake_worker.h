/* A minimal situ worker in C for the runtime's tests: listens on loopback, writes a
 * connection file, answers HELLO with a chosen WELCOME, and records what arrives. */
#ifndef FAKE_WORKER_H
#define FAKE_WORKER_H
#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef struct fake_block {
    int64_t step;
    uint32_t array_id, ndim;
    int64_t start[6], count[6];
    uint64_t nbytes;
    unsigned char *data;
} fake_block;

typedef struct fake_worker {
    int listen_fd, port;
    pthread_t thread;
    unsigned char token[16];
    char conn_path[256];
    const char *welcome;        /* WELCOME JSON to answer with */
    bool release_shm;           /* send RELEASE after copying a shm block */
    bool garbage_after_welcome; /* then send a frame with a bad magic */
    const char *push_steer;     /* STEER JSON sent after the first STEP_END */
    /* recorded */
    pthread_mutex_t mu;
    fake_block *blocks;
    int nblocks;
    int step_ends, dropped_step_ends, byes, arrays;
    bool shm_used;
    char hello[1024];
} fake_worker;

/* Starts the worker thread; writes conn_path. shm: advertise shared memory. */
int fake_worker_start(fake_worker *w, const char *welcome, bool shm);
/* Waits for the connection to close (after BYE or an error), joins, frees nothing. */
void fake_worker_join(fake_worker *w);
void fake_worker_free(fake_worker *w);
#endif
