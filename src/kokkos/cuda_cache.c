/* On-disk build cache of the CUDA loader (see cuda_cache.h). */
#define _POSIX_C_SOURCE 200809L
#include "cuda_cache.h"

#include <errno.h>
#include <fcntl.h>
#include <spawn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

uint64_t situ_kk_hash(uint64_t h, const void *p, size_t n) {
  const unsigned char *s = p;
  for (size_t i = 0; i < n; ++i)
    h = (h ^ s[i]) * 1099511628211ull;
  return h;
}

static int mkdir_p(char *path) {
  for (char *p = path + 1; *p; ++p) {
    if (*p != '/')
      continue;
    *p = '\0';
    int rc = mkdir(path, 0700);
    *p = '/';
    if (rc != 0 && errno != EEXIST)
      return errno;
  }
  if (mkdir(path, 0700) != 0 && errno != EEXIST)
    return errno;
  return 0;
}

int situ_kk_cache_dir(char *buf, size_t cap) {
  const char *env = getenv("SITU_KK_CACHE"), *xdg = getenv("XDG_CACHE_HOME"),
             *home = getenv("HOME");
  int n;
  if (env && *env)
    n = snprintf(buf, cap, "%s", env);
  else if (xdg && *xdg)
    n = snprintf(buf, cap, "%s/situ-kokkos", xdg);
  else if (home && *home)
    n = snprintf(buf, cap, "%s/.cache/situ-kokkos", home);
  else
    n = snprintf(buf, cap, "/tmp/situ-kokkos-%ld", (long)getuid());
  if (n < 0 || (size_t)n >= cap)
    return ENAMETOOLONG;
  return mkdir_p(buf);
}

void *situ_kk_cache_read(const char *path, size_t *len) {
  FILE *f = fopen(path, "rb");
  if (!f)
    return NULL;
  char *buf = NULL;
  struct stat st;
  if (fstat(fileno(f), &st) == 0 && st.st_size > 0 && (buf = malloc((size_t)st.st_size))) {
    if (fread(buf, 1, (size_t)st.st_size, f) == (size_t)st.st_size) {
      *len = (size_t)st.st_size;
    } else {
      free(buf);
      buf = NULL;
    }
  }
  fclose(f);
  return buf;
}

/* A temporary name beside `path` (same directory, so rename is atomic). */
static int temp_beside(const char *path, const char *suffix, char *tmp, size_t cap) {
  int n = snprintf(tmp, cap, "%s.%ld.%s", path, (long)getpid(), suffix);
  return n < 0 || (size_t)n >= cap ? ENAMETOOLONG : 0;
}

int situ_kk_cache_write(const char *path, const void *data, size_t len) {
  char tmp[4096];
  int rc = temp_beside(path, "tmp", tmp, sizeof tmp);
  if (rc)
    return rc;
  FILE *f = fopen(tmp, "wb");
  if (!f)
    return errno;
  size_t put = fwrite(data, 1, len, f);
  rc = fclose(f) != 0 || put != len ? EIO : 0;
  if (!rc && rename(tmp, path) != 0)
    rc = errno;
  if (rc)
    unlink(tmp);
  return rc;
}

static char *dup_message(const char *what, const char *detail) {
  size_t n = strlen(what) + strlen(detail) + 3;
  char *s = malloc(n);
  if (s)
    snprintf(s, n, "%s: %s", what, detail);
  return s;
}

/* Runs the C compiler with `args` (then "-o <tmp> ... -lm") into so_path,
 * atomically; its output goes to *log on failure. */
static int run_cc(const char *input, const char *extra, const char *so_path, const char *what, char **log) {
  char tmp_so[4096], log_path[4096];
  if (temp_beside(so_path, "so.tmp", tmp_so, sizeof tmp_so) ||
      temp_beside(so_path, "log", log_path, sizeof log_path)) {
    *log = dup_message("cache path too long", so_path);
    return -1;
  }
  const char *cc = getenv("SITU_KK_CC");
  if (!cc || !*cc)
    cc = "cc";
  char *argv[12] = {(char *)cc, "-std=c11", "-O2", "-fPIC", "-shared", "-w", "-o", tmp_so, (char *)input};
  int n = 9;
  if (extra)
    argv[n++] = (char *)extra;
  argv[n++] = "-lm";
  argv[n] = NULL;
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, STDOUT_FILENO, log_path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&fa, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid;
  int spawn_rc = posix_spawnp(&pid, cc, &fa, NULL, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  int status = 0;
  if (spawn_rc == 0)
    while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
    }
  int ok = spawn_rc == 0 && WIFEXITED(status) && WEXITSTATUS(status) == 0;
  if (ok && rename(tmp_so, so_path) != 0)
    ok = 0;
  if (!ok) {
    size_t n = 0;
    char *text = situ_kk_cache_read(log_path, &n);
    char *body = text ? realloc(text, n + 1) : NULL;
    if (body)
      body[n] = '\0';
    else
      free(text);
    char head[512];
    snprintf(head, sizeof head, "the C compiler '%s' %s %s (set SITU_KK_CC to choose another)", cc,
             spawn_rc ? "could not be started for" : "failed on", what);
    *log = dup_message(head, spawn_rc ? strerror(spawn_rc) : body ? body : "no output");
    free(body);
    unlink(tmp_so);
  }
  unlink(log_path);
  return ok ? 0 : -1;
}

int situ_kk_cache_compile_c(const char *source, size_t len, const char *so_path, char **log) {
  *log = NULL;
  char c_path[4096];
  if (temp_beside(so_path, "c", c_path, sizeof c_path)) {
    *log = dup_message("cache path too long", so_path);
    return -1;
  }
  int rc = situ_kk_cache_write(c_path, source, len);
  if (rc) {
    *log = dup_message("cannot write the host part", strerror(rc));
    return -1;
  }
  rc = run_cc(c_path, NULL, so_path, "the kernel's host part", log);
  unlink(c_path);
  return rc;
}

int situ_kk_cache_link(const char *object, const char *so_path, const char *lib, char **log) {
  *log = NULL;
  return run_cc(object, lib, so_path, "linking a kernel object", log);
}
