/* libsitu internals: the context and the pieces each file implements. */
#ifndef SITU_INTERNAL_H
#define SITU_INTERNAL_H

#include <pthread.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>

#include "situ.h"

#if !defined(__BYTE_ORDER__) || __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the wire protocol is little-endian; add byte swapping for this target"
#endif

#define SITU_MAX_ARRAYS 256
#define SITU_NAME_MAX 64
#define SITU_MAX_CONTROL (1u << 20)

/* ---- config.c ---------------------------------------------------------- */
typedef enum { POLICY_BLOCK, POLICY_DROP_OLDEST } situ_policy;

typedef struct situ_config {
    char connection[1024];
    bool wait_for_analytics;
    double connect_timeout, finalize_timeout;
    size_t staging_bytes;
    situ_policy policy;
    bool force_tcp;
    bool round_robin;
    char report[1024]; /* "", "stderr" or a path */
    char kokkos_library[1024]; /* "" = next to libsitu, then the loader's search path */
} situ_config;

int situ_config_load(situ_config *cfg, const char *path, char *err, size_t errlen);

/* ---- connection.c ------------------------------------------------------- */
typedef struct situ_endpoint {
    char name[256], host[256], address[64];
    int port;
    bool shm;
    bool dead;
} situ_endpoint;

typedef struct situ_connection_info {
    unsigned char token[16];
    char token_hex[33];
    situ_endpoint *workers;
    int nworkers;
} situ_connection_info;

int situ_connection_read(situ_connection_info *info, const char *path, char *err, size_t errlen);
void situ_connection_free(situ_connection_info *info);
/* Order in which this rank tries the workers (preferred first). */
void situ_connection_order(const situ_connection_info *info, const char *host, int rank,
                           int local_rank, bool round_robin, int *order);

/* ---- staging.c: first-fit allocator over one buffer ---------------------- */
typedef struct situ_extent {
    size_t off, len;
} situ_extent;

typedef struct situ_staging {
    unsigned char *base;
    size_t size;
    situ_extent *free_list;
    int nfree, capfree;
    bool is_shm;
    char shm_name[128];
} situ_staging;

int situ_staging_open(situ_staging *s, size_t size, const char *shm_name);
void situ_staging_close(situ_staging *s);
void situ_staging_reset(situ_staging *s);
/* Returns 0 and *off, or -1 if no room now. */
int situ_staging_alloc(situ_staging *s, size_t len, size_t *off);
void situ_staging_free(situ_staging *s, size_t off, size_t len);

/* ---- contract.c --------------------------------------------------------- */
typedef struct situ_contract_entry {
    char name[SITU_NAME_MAX];
    int64_t start, stop; /* stop < 0: no end */
    int64_t every;
    int nregion;         /* 0: whole array */
    int64_t lo[SITU_MAX_DIMS], hi[SITU_MAX_DIMS];
} situ_contract_entry;

#define SITU_PLAN_MAX_OUT 64

/* One placed analysis' in-process stage on this rank (docs/placement.md). */
typedef struct situ_plan_output {
    situ_dtype dtype;
    int64_t count;
    int array_id; /* derived array "<array>#<id>.<j>", -1 until defined */
} situ_plan_output;

typedef struct situ_plan {
    char id[SITU_NAME_MAX], array[SITU_NAME_MAX], entry[SITU_NAME_MAX];
    int64_t start, stop, every;
    char *ir;                 /* Kokkos-dialect MLIR; NULL: this rank's block is not used */
    int nout;
    situ_plan_output out[SITU_PLAN_MAX_OUT];
    int raw_id;               /* "<array>#<id>.raw": the block, while no kernel is ready */
    void *kernel;             /* situ_kk_kernel *, set by the I/O thread */
    bool failed;
    double kernel_cpu_seconds; /* this plan's kernel runs on this rank (cumulative, STEP_END "plans") */
    int64_t kernel_runs;
} situ_plan;

typedef struct situ_contract {
    situ_contract_entry *entries;
    int n;
    situ_plan *plans;
    int nplans;
} situ_contract;

/* Parses {"arrays": {...}, "plans": [...]} keeping the plans' kernels for `rank`;
 * on error leaves *c untouched. */
int situ_contract_parse(situ_contract *c, const char *json, size_t len, int rank, char *err,
                        size_t errlen);
void situ_contract_free(situ_contract *c);
const situ_contract_entry *situ_contract_find(const situ_contract *c, const char *name);
bool situ_contract_selects(const situ_contract_entry *e, int64_t step);
bool situ_plan_selects(const situ_plan *p, int64_t step);
bool situ_contract_any(const situ_contract *c, int64_t step);
/* Intersect a block with an entry's region; returns false if empty. */
bool situ_contract_cut(const situ_contract_entry *e, int ndim, const int64_t *start,
                       const int64_t *count, int64_t *cstart, int64_t *ccount);
/* Copy the sub-block [cstart, cstart+ccount) of the block [start, start+count) to dst. */
void situ_copy_cut(void *dst, const void *src, size_t esize, int ndim, const int64_t *start,
                   const int64_t *count, const int64_t *cstart, const int64_t *ccount);

/* ---- steer.c ------------------------------------------------------------- */
typedef enum { STEER_F64, STEER_I64, STEER_STR } steer_kind;

typedef struct situ_steer_value {
    char key[SITU_NAME_MAX];
    steer_kind kind;
    double f;
    int64_t i;
    char *s;
} situ_steer_value;

typedef struct situ_steer_table {
    situ_steer_value *v;
    int n, cap;
} situ_steer_table;

/* value: a cJSON item (opaque here to keep cJSON out of the header). */
int situ_steer_set_json(situ_steer_table *t, const char *key, const void *value);
const situ_steer_value *situ_steer_find(const situ_steer_table *t, const char *key);
void situ_steer_free(situ_steer_table *t);

/* ---- wire.c: frames over a socket ---------------------------------------- */
enum {
    MSG_HELLO = 1, MSG_ARRAY = 2, MSG_BLOCK = 3, MSG_STEP_END = 4, MSG_BYE = 5,
    MSG_WELCOME = 6, MSG_CONTRACT = 7, MSG_STEER = 8, MSG_RELEASE = 9, MSG_ERROR = 10
};
#define SITU_HEADER_SIZE 40
#define SITU_BLOCK_META_SIZE 128

void situ_wire_header(unsigned char out[SITU_HEADER_SIZE], int type, const unsigned char token[16],
                      uint64_t length);
int situ_wire_connect(const char *address, int port, double timeout, char *err, size_t errlen);
int situ_wire_send_all(int fd, const void *buf, size_t len);
/* Reads one frame (blocking up to timeout seconds, <0: forever). *payload is malloc'ed. */
int situ_wire_recv(int fd, const unsigned char token[16], double timeout, int *type,
                   unsigned char **payload, uint64_t *len, char *err, size_t errlen);

/* ---- the context (situ.c, array.c, io.c) ---------------------------------- */
typedef struct situ_array {
    char name[SITU_NAME_MAX];
    situ_dtype dtype;
    int ndim;
    int64_t shape[SITU_MAX_DIMS], start[SITU_MAX_DIMS], count[SITU_MAX_DIMS];
    size_t nbytes;
    int64_t last_step;
    bool announced; /* ARRAY frame queued on the current connection */
} situ_array;

typedef enum { ITEM_FRAME, ITEM_BLOCK, ITEM_STEP_END } item_kind;

typedef struct situ_item {
    struct situ_item *next;
    item_kind kind;
    int64_t step;
    size_t off, len;               /* staging slot (ITEM_BLOCK) */
    unsigned char meta[SITU_BLOCK_META_SIZE];
    int type;                      /* ITEM_FRAME: message type */
    char *payload;                 /* ITEM_FRAME JSON; ITEM_STEP_END built when sent */
    size_t payload_len;
    int blocks;                    /* ITEM_STEP_END: blocks of the step */
    bool dropped;
    bool raw;                      /* ITEM_BLOCK: a block sent raw (its send is timed, cost model) */
} situ_item;

struct situ_ctx {
    MPI_Comm comm;
    int rank, nranks, local_rank;
    char host[256];
    situ_config cfg;
    situ_connection_info conn;
    bool have_conn;
    int *order;        /* worker preference order */
    int current;       /* index into conn.workers, -1 if none */
    int shm_generation;

    situ_array arrays[SITU_MAX_ARRAYS];
    int narrays;

    /* shared with the I/O thread, under mu */
    pthread_mutex_t mu;
    pthread_cond_t cv;
    pthread_t io;
    bool io_running, stopping, bye_sent;
    bool sending;           /* the I/O thread holds an item it is writing */
    atomic_int attached;    /* connected to a worker; read lock-free by expose */
    int fd;
    situ_staging staging;
    situ_item *head, *tail; /* FIFO of what to send */
    situ_contract contract;
    situ_steer_table steer;
    double next_retry;
    int wake_fd;            /* eventfd: the simulation thread wakes the I/O thread */
    uint64_t gen;           /* connection generation: bumps when a connection is lost */

    /* step bookkeeping (simulation thread) */
    int64_t cur_step;       /* step being exposed, INT64_MIN before the first */
    int cur_blocks;
    bool cur_dropped, cur_lost;
    uint64_t cur_gen;

    situ_stats stats;
    char errmsg[1024];
    struct situ_offload *offload; /* libsitu-kokkos, loaded when the first plan arrives */
    pthread_t compile_thread;     /* compiles plans' kernels (offload.c) */
    bool compile_started;         /* compile_thread was created and not joined (I/O thread, finalize) */
    bool compile_running;         /* it is compiling (mu) */
    bool compile_stop;            /* finalize: compile nothing more (mu) */
    char plan_error[512];         /* the last kernel that failed, for the analytics */
};

int situ_set_error(situ_ctx *ctx, int code, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
double situ_now(void);
double situ_thread_cpu(void); /* CPU seconds of the calling thread (cost model) */
const char *situ_dtype_name(situ_dtype dt);

/* offload.c: in-process stages. compile: I/O thread, mu not held (starts the compile
 * thread). run: expose, mu held. free: finalize, after the I/O thread (joins it). */
void situ_offload_compile(situ_ctx *ctx);
int situ_offload_run(situ_ctx *ctx, situ_plan *p, const void *data, int64_t n, void *const *outs);
void situ_offload_free(situ_ctx *ctx);

/* io.c */
int situ_io_start(situ_ctx *ctx);
void situ_io_stop(situ_ctx *ctx);
int situ_io_connect_initial(situ_ctx *ctx);
/* mu held. wake: rouse the I/O thread now (blocks wait for their step's end: the
 * worker cannot use them before, and fewer wake-ups steal less of the solver's core). */
void situ_io_enqueue(situ_ctx *ctx, situ_item *it, bool wake);
void situ_io_wake(situ_ctx *ctx);
char *situ_array_json(const situ_ctx *ctx, int id, size_t *len);

#endif
