/* An XLA FFI handler that runs a libsitu-kokkos kernel, so that compiled
 * kernels are callable from JAX (jax.ffi.ffi_call) under jax.jit.
 *
 * Written against XLA's C API (xla/ffi/api/c_api.h, shipped with jaxlib): the
 * handler takes its buffers (inputs, then results: the kernel's
 * destination-passing signature) and one attribute, `kernel`, the address of
 * a situ_kk_kernel compiled in this process. */
#include <stdio.h>

#include "situ_kokkos.h"
#include "xla_ffi_common.h"

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

XLA_FFI_Error *situ_kk_xla_handler(XLA_FFI_CallFrame *call) {
  if (situ_xla_metadata(call) || call->stage != XLA_FFI_ExecutionStage_EXECUTE)
    return NULL;
  const XLA_FFI_Api *api = call->api;
  int64_t addr = 0;
  if (!situ_xla_s64_attr(&call->attrs, "kernel", &addr) || !addr)
    return situ_xla_error(api, "situ_kokkos: missing s64 attribute 'kernel' (the compiled kernel's address)");
  int64_t n = call->args.size + call->rets.size;
  if (n > SITU_XLA_MAX_BUFFERS)
    return situ_xla_error(api, "situ_kokkos: more than 64 buffers");
  situ_kk_arg args[SITU_XLA_MAX_BUFFERS];
  for (int64_t i = 0; i < n; ++i) {
    int is_buffer;
    const XLA_FFI_Buffer *b = situ_xla_buffer(call, i, &is_buffer);
    situ_kk_dtype t;
    if (!is_buffer || !to_kk_dtype(b->dtype, &t) || b->rank > SITU_KK_MAX_RANK) {
      char msg[128];
      snprintf(msg, sizeof msg, "situ_kokkos: buffer %lld is not a bool/int32/int64/float32/float64 array",
               (long long)i);
      return situ_xla_error(api, msg);
    }
    args[i] = situ_kk_view(b->data, t, (int)b->rank, b->dims);
  }
  int rc = situ_kk_call((const situ_kk_kernel *)(intptr_t)addr, args, (int)n, NULL, 0);
  if (rc != SITU_KK_OK) {
    char msg[160];
    snprintf(msg, sizeof msg, "situ_kokkos: kernel call failed: %s", situ_kk_strerror(rc));
    return situ_xla_error(api, msg);
  }
  return NULL;
}
