/* Pieces both situ XLA FFI handlers (host kernels: xla_ffi.c; CUDA kernels:
 * xla_ffi_cuda.c) share, written against XLA's C API header from jaxlib. */
#ifndef SITU_XLA_FFI_COMMON_H
#define SITU_XLA_FFI_COMMON_H

#include <stdint.h>
#include <string.h>

#include "xla/ffi/api/c_api.h"

#define SITU_XLA_MAX_BUFFERS 64

static inline XLA_FFI_Error *situ_xla_error(const XLA_FFI_Api *api, const char *msg) {
  XLA_FFI_Error_Create_Args a;
  memset(&a, 0, sizeof a);
  a.struct_size = XLA_FFI_Error_Create_Args_STRUCT_SIZE;
  a.message = msg;
  a.errc = XLA_FFI_Error_Code_INVALID_ARGUMENT;
  return api->XLA_FFI_Error_Create(&a);
}

/* XLA first asks which API version a handler was built against: answers it and
 * returns 1 when this call is that query. __typeof__: the extension type was
 * renamed in XLA FFI API 0.4 (jaxlib 0.11); both compile. */
static inline int situ_xla_metadata(XLA_FFI_CallFrame *call) {
  for (__typeof__(call->extension_start) e = call->extension_start; e; e = e->next) {
    if (e->type == XLA_FFI_Extension_Metadata) {
      XLA_FFI_Metadata *m = ((XLA_FFI_Metadata_Extension *)e)->metadata;
      m->api_version.major_version = XLA_FFI_API_MAJOR;
      m->api_version.minor_version = XLA_FFI_API_MINOR;
      m->traits = 0;
      return 1;
    }
  }
  return 0;
}

/* The s64 scalar attribute `name` (an address), into *out; 0 if absent. */
static inline int situ_xla_s64_attr(const XLA_FFI_Attrs *attrs, const char *name, int64_t *out) {
  size_t len = strlen(name);
  for (int64_t i = 0; i < attrs->size; ++i) {
    const XLA_FFI_ByteSpan *n = attrs->names[i];
    if (attrs->types[i] != XLA_FFI_AttrType_SCALAR || n->len != len || memcmp(n->ptr, name, len) != 0)
      continue;
    const XLA_FFI_Scalar *s = attrs->attrs[i];
    if (s->dtype != XLA_FFI_DataType_S64)
      return 0;
    memcpy(out, s->value, sizeof *out);
    return 1;
  }
  return 0;
}

/* Buffer i of the call: operands first, then results. */
static inline XLA_FFI_Buffer *situ_xla_buffer(XLA_FFI_CallFrame *call, int64_t i, int *is_buffer) {
  int is_arg = i < call->args.size;
  int64_t j = is_arg ? i : i - call->args.size;
  *is_buffer = is_arg ? call->args.types[j] == XLA_FFI_ArgType_BUFFER
                      : call->rets.types[j] == XLA_FFI_RetType_BUFFER;
  return (XLA_FFI_Buffer *)(is_arg ? call->args.args[j] : call->rets.rets[j]);
}

#endif
