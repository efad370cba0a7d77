/* An XLA FFI handler for situ kernels built as CUDA (situ.kokkos.native):
 * calls the kernel's `NAME_xla(stream, buffers)` entry, whose address comes as
 * the s64 attribute `entry`, with XLA's stream and the device buffers (inputs,
 * then results). Needs no CUDA headers: the stream is passed through opaque.
 * Built into libsitu-kokkos-xla, and on GPU nodes without a situ build on its
 * own (situ.kokkos.native compiles this file). */
#include <stdio.h>
#include <string.h>

#include "xla/ffi/api/c_api.h"

#define MAX_BUFFERS 64

typedef void (*situ_xla_entry)(void *stream, void **buffers);

static XLA_FFI_Error *cuda_fail(const XLA_FFI_Api *api, const char *msg) {
  XLA_FFI_Error_Create_Args a;
  memset(&a, 0, sizeof a);
  a.struct_size = XLA_FFI_Error_Create_Args_STRUCT_SIZE;
  a.message = msg;
  a.errc = XLA_FFI_Error_Code_INVALID_ARGUMENT;
  return api->XLA_FFI_Error_Create(&a);
}

static situ_xla_entry entry_attr(const XLA_FFI_Attrs *attrs) {
  for (int64_t i = 0; i < attrs->size; ++i) {
    const XLA_FFI_ByteSpan *name = attrs->names[i];
    if (attrs->types[i] != XLA_FFI_AttrType_SCALAR || name->len != 5 || memcmp(name->ptr, "entry", 5) != 0)
      continue;
    const XLA_FFI_Scalar *s = attrs->attrs[i];
    if (s->dtype != XLA_FFI_DataType_S64)
      return NULL;
    int64_t addr;
    memcpy(&addr, s->value, sizeof addr);
    situ_xla_entry fn;
    memcpy(&fn, &addr, sizeof fn); /* an object-to-function pointer conversion C allows this way */
    return fn;
  }
  return NULL;
}

XLA_FFI_Error *situ_kk_xla_cuda_handler(XLA_FFI_CallFrame *call) {
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
  situ_xla_entry fn = entry_attr(&call->attrs);
  if (!fn)
    return cuda_fail(api, "situ_kokkos_cuda: missing s64 attribute 'entry' (the kernel's _xla entry)");
  int64_t n = call->args.size + call->rets.size;
  if (n > MAX_BUFFERS)
    return cuda_fail(api, "situ_kokkos_cuda: more than 64 buffers");
  void *bufs[MAX_BUFFERS];
  for (int64_t i = 0; i < n; ++i) {
    int is_arg = i < call->args.size;
    int64_t j = is_arg ? i : i - call->args.size;
    void *p = is_arg ? call->args.args[j] : call->rets.rets[j];
    bufs[i] = ((XLA_FFI_Buffer *)p)->data;
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
