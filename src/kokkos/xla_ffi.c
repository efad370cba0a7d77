/* An XLA FFI handler that runs a libsitu-kokkos kernel, so that compiled
 * kernels are callable from JAX (jax.ffi.ffi_call) under jax.jit.
 *
 * Written against XLA's C API (xla/ffi/api/c_api.h, shipped with jaxlib): the
 * handler takes its buffers (inputs, then results: the kernel's
 * destination-passing signature) and one attribute, `kernel`, the address of
 * a situ_kk_kernel compiled in this process. */
#include <stdio.h>
#include <string.h>

#include "situ_kokkos.h"
#include "xla/ffi/api/c_api.h"

#define MAX_BUFFERS 64

static XLA_FFI_Error *fail(const XLA_FFI_Api *api, XLA_FFI_Error_Code code, const char *msg) {
  XLA_FFI_Error_Create_Args a;
  memset(&a, 0, sizeof a);
  a.struct_size = XLA_FFI_Error_Create_Args_STRUCT_SIZE;
  a.message = msg;
  a.errc = code;
  return api->XLA_FFI_Error_Create(&a);
}

static int to_kk_dtype(XLA_FFI_DataType t, situ_kk_dtype *out) {
  switch (t) {
  case XLA_FFI_DataType_PRED: *out = SITU_KK_BOOL; return 1;
  case XLA_FFI_DataType_S32: *out = SITU_KK_I32; return 1;
  case XLA_FFI_DataType_S64: *out = SITU_KK_I64; return 1;
  case XLA_FFI_DataType_F32: *out = SITU_KK_F32; return 1;
  case XLA_FFI_DataType_F64: *out = SITU_KK_F64; return 1;
  default: return 0;
  }
}

static int view_of(const XLA_FFI_Buffer *b, situ_kk_arg *out) {
  situ_kk_dtype t;
  if (!to_kk_dtype(b->dtype, &t) || b->rank > SITU_KK_MAX_RANK)
    return 0;
  *out = situ_kk_view(b->data, t, (int)b->rank, b->dims);
  return 1;
}

/* The kernel named by the `kernel` attribute (a scalar s64), or NULL. */
static const situ_kk_kernel *kernel_attr(const XLA_FFI_Attrs *attrs) {
  for (int64_t i = 0; i < attrs->size; ++i) {
    const XLA_FFI_ByteSpan *name = attrs->names[i];
    if (attrs->types[i] != XLA_FFI_AttrType_SCALAR || name->len != 6 ||
        memcmp(name->ptr, "kernel", 6) != 0)
      continue;
    const XLA_FFI_Scalar *s = attrs->attrs[i];
    if (s->dtype != XLA_FFI_DataType_S64)
      return NULL;
    int64_t addr;
    memcpy(&addr, s->value, sizeof addr);
    return (const situ_kk_kernel *)(intptr_t)addr;
  }
  return NULL;
}

XLA_FFI_Error *situ_kk_xla_handler(XLA_FFI_CallFrame *call) {
  /* XLA first asks which API version the handler was built against. */
  /* __typeof__: the extension type was renamed in XLA FFI API 0.4 (jaxlib 0.11). */
  for (__typeof__(call->extension_start) e = call->extension_start; e; e = e->next) {
    if (e->type == XLA_FFI_Extension_Metadata) {
      XLA_FFI_Metadata *m = ((XLA_FFI_Metadata_Extension *)e)->metadata;
      m->api_version.major_version = XLA_FFI_API_MAJOR;
      m->api_version.minor_version = XLA_FFI_API_MINOR;
      m->traits = 0;
      return NULL;
    }
  }
  if (call->stage != XLA_FFI_ExecutionStage_EXECUTE)
    return NULL;
  const XLA_FFI_Api *api = call->api;
  const situ_kk_kernel *k = kernel_attr(&call->attrs);
  if (!k)
    return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT,
                "situ_kokkos: missing s64 attribute 'kernel' (the compiled kernel's address)");
  int64_t n = call->args.size + call->rets.size;
  if (n > MAX_BUFFERS)
    return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, "situ_kokkos: more than 64 buffers");
  situ_kk_arg args[MAX_BUFFERS];
  for (int64_t i = 0; i < n; ++i) {
    int is_arg = i < call->args.size;
    int64_t j = is_arg ? i : i - call->args.size;
    int is_buffer = is_arg ? call->args.types[j] == XLA_FFI_ArgType_BUFFER
                           : call->rets.types[j] == XLA_FFI_RetType_BUFFER;
    void *p = is_arg ? call->args.args[j] : call->rets.rets[j];
    if (!is_buffer || !view_of((const XLA_FFI_Buffer *)p, &args[i])) {
      char msg[128];
      snprintf(msg, sizeof msg, "situ_kokkos: %s %lld is not a bool/int32/int64/float32/float64 buffer",
               is_arg ? "operand" : "result", (long long)j);
      return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, msg);
    }
  }
  int rc = situ_kk_call(k, args, (int)n, NULL, 0);
  if (rc != SITU_KK_OK) {
    char msg[160];
    snprintf(msg, sizeof msg, "situ_kokkos: kernel call failed: %s", situ_kk_strerror(rc));
    return fail(api, XLA_FFI_Error_Code_INVALID_ARGUMENT, msg);
  }
  return NULL;
}
