/* The bounded staging buffer: private memory for TCP, a POSIX shared-memory segment
 * for same-host workers. First-fit over a sorted free list; frees may come in any order
 * (Dask releases blocks when it likes). */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "internal.h"

#define ALIGN 64

int situ_staging_open(situ_staging *s, size_t size, const char *shm_name) {
    memset(s, 0, sizeof *s);
    size = (size + ALIGN - 1) / ALIGN * ALIGN;
    if (shm_name) {
        int fd = shm_open(shm_name, O_CREAT | O_EXCL | O_RDWR, 0600);
        if (fd < 0) return SITU_ERR_SYSTEM;
        if (ftruncate(fd, (off_t)size) != 0) {
            close(fd);
            shm_unlink(shm_name);
            return SITU_ERR_SYSTEM;
        }
        /* MAP_POPULATE: take the page faults now, not inside the first exposes */
        void *p = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_POPULATE, fd, 0);
        close(fd);
        if (p == MAP_FAILED) {
            shm_unlink(shm_name);
            return SITU_ERR_SYSTEM;
        }
        s->base = p;
        s->is_shm = true;
        strncpy(s->shm_name, shm_name, sizeof s->shm_name - 1);
    } else {
        s->base = malloc(size);
        if (!s->base) return SITU_ERR_NOMEM;
        memset(s->base, 0, size); /* fault the pages in now, not inside the first exposes */
    }
    s->size = size;
    s->capfree = 16;
    s->free_list = malloc((size_t)s->capfree * sizeof *s->free_list);
    if (!s->free_list) {
        situ_staging_close(s);
        return SITU_ERR_NOMEM;
    }
    situ_staging_reset(s);
    return SITU_OK;
}

void situ_staging_reset(situ_staging *s) {
    s->nfree = 1;
    s->free_list[0] = (situ_extent){0, s->size};
}

void situ_staging_close(situ_staging *s) {
    if (s->is_shm) {
        if (s->base) munmap(s->base, s->size);
        shm_unlink(s->shm_name); /* the worker unlinks too; ENOENT is fine */
    } else {
        free(s->base);
    }
    free(s->free_list);
    memset(s, 0, sizeof *s);
}

int situ_staging_alloc(situ_staging *s, size_t len, size_t *off) {
    len = (len + ALIGN - 1) / ALIGN * ALIGN;
    if (!len) len = ALIGN;
    for (int i = 0; i < s->nfree; ++i) {
        situ_extent *e = &s->free_list[i];
        if (e->len < len) continue;
        *off = e->off;
        e->off += len;
        e->len -= len;
        if (!e->len) {
            memmove(e, e + 1, (size_t)(s->nfree - i - 1) * sizeof *e);
            --s->nfree;
        }
        return 0;
    }
    return -1;
}

void situ_staging_free(situ_staging *s, size_t off, size_t len) {
    len = (len + ALIGN - 1) / ALIGN * ALIGN;
    if (!len) len = ALIGN;
    if (off + len > s->size) return; /* not ours: ignore rather than corrupt */
    int i = 0;
    while (i < s->nfree && s->free_list[i].off < off) ++i;
    bool merge_prev = i > 0 && s->free_list[i - 1].off + s->free_list[i - 1].len == off;
    bool merge_next = i < s->nfree && off + len == s->free_list[i].off;
    if (merge_prev && merge_next) {
        s->free_list[i - 1].len += len + s->free_list[i].len;
        memmove(&s->free_list[i], &s->free_list[i + 1], (size_t)(s->nfree - i - 1) * sizeof(situ_extent));
        --s->nfree;
    } else if (merge_prev) {
        s->free_list[i - 1].len += len;
    } else if (merge_next) {
        s->free_list[i].off = off;
        s->free_list[i].len += len;
    } else {
        if (s->nfree == s->capfree) {
            situ_extent *n = realloc(s->free_list, (size_t)s->capfree * 2 * sizeof *n);
            if (!n) return; /* leak the extent rather than fail a free */
            s->free_list = n;
            s->capfree *= 2;
        }
        memmove(&s->free_list[i + 1], &s->free_list[i], (size_t)(s->nfree - i) * sizeof(situ_extent));
        s->free_list[i] = (situ_extent){off, len};
        ++s->nfree;
    }
}
