/* On-disk build cache of libsitu-kokkos: CPU kernels' shared objects, the
 * CUDA loader's CUBINs and compiled host parts,
 * named by a hash of what produced them, written atomically (temporary file
 * + rename) so that the ranks of a node can share them. Internal to
 * libsitu-kokkos. */
#ifndef SITU_KK_CUDA_CACHE_H
#define SITU_KK_CUDA_CACHE_H

#include <stddef.h>
#include <stdint.h>

uint64_t situ_kk_hash(uint64_t h, const void *p, size_t n);
#define SITU_KK_HASH_SEED 1469598103934665603ull

/* The cache directory (created if missing) into buf; 0 on success, else
 * an errno value. */
int situ_kk_cache_dir(char *buf, size_t cap);

/* Reads a whole file; NULL if absent. *len gets its size. */
void *situ_kk_cache_read(const char *path, size_t *len);

/* Writes `data` to `path` atomically; 0 on success, else errno. */
int situ_kk_cache_write(const char *path, const void *data, size_t len);

/* Compiles C `source` into the shared object `so_path` with the system C
 * compiler ($SITU_KK_CC, default cc), atomically. 0 on success; otherwise
 * -1 and the compiler's output (or why it could not run) in *log
 * (malloc'd; may be NULL). */
int situ_kk_cache_compile_c(const char *source, size_t len, const char *so_path, char **log);

/* Links the object file `object` (and the library `lib`, may be NULL) into
 * the shared object `so_path`, atomically; like situ_kk_cache_compile_c. */
int situ_kk_cache_link(const char *object, const char *so_path, const char *lib, char **log);

#endif
