/* An XLA FFI handler for situ kernels built as CUDA (situ.kokkos.native):
 * calls the kernel's `NAME_xla(stream, buffers)` entry, whose address comes as
 * the s64 attribute `entry`, with XLA's stream and the device buffers (inputs,
 * then results). Needs no CUDA headers: the stream is passed through opaque.
 * Built into libsitu-kokkos-xla, and on GPU nodes without a situ build on its
 * own (situ.kokkos.native compiles this file). */
#include "xla_ffi_common.h"

typedef void (*situ_xla_entry)(void *stream, void **buffers);

XLA_FFI_Error *situ_kk_xla_cuda_handler(XLA_FFI_CallFrame *call) {
  if (situ_xla_metadata(call) || call->stage != XLA_FFI_ExecutionStage_EXECUTE)
    return NULL;
  const XLA_FFI_Api *api = call->api;
  int64_t addr = 0;
  if (!situ_xla_s64_attr(&call->attrs, "entry", &addr) || !addr)
    return situ_xla_error(api, "situ_kokkos_cuda: missing s64 attribute 'entry' (the kernel's _xla entry)");
  situ_xla_entry fn;
  memcpy(&fn, &addr, sizeof fn); /* object-to-function pointer, the way C allows */
  int64_t n = call->args.size + call->rets.size;
  if (n > SITU_XLA_MAX_BUFFERS)
    return situ_xla_error(api, "situ_kokkos_cuda: more than 64 buffers");
  void *bufs[SITU_XLA_MAX_BUFFERS];
  for (int64_t i = 0; i < n; ++i) {
    int is_buffer;
    XLA_FFI_Buffer *b = situ_xla_buffer(call, i, &is_buffer);
    if (!is_buffer)
      return situ_xla_error(api, "situ_kokkos_cuda: a non-buffer operand");
    bufs[i] = b->data;
  }
  XLA_FFI_Stream_Get_Args sa;
  memset(&sa, 0, sizeof sa);
  sa.struct_size = XLA_FFI_Stream_Get_Args_STRUCT_SIZE;
  sa.ctx = call->ctx;
  XLA_FFI_Error *err = api->XLA_FFI_Stream_Get(&sa);
  if (err)
    return err;
  fn(sa.stream, bufs);
  return NULL;
}
