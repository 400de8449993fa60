/* Internals shared by the cuda device's files: the device struct, the CHECK macro that
 * turns a failed driver call into a status + message, and context scoping. */
#ifndef DLRT_RUNTIME_CUDA_DEVICE_H
#define DLRT_RUNTIME_CUDA_DEVICE_H

#include "runtime/cuda_driver.h"
#include "runtime/device.h"
#include "runtime/error.h"

struct dlrt_device_function {
  CUfunction function;
  uint32_t dynamic_shared_bytes;
};

/* A device-to-host copy waiting in the staging buffer for the stream to finish. */
typedef struct pending_download {
  void *destination;
  uint64_t staging_offset;
  uint64_t size;
} pending_download;

typedef struct cuda_device {
  dlrt_device base;
  dlrt_cuda_driver driver;
  int ordinal;
  CUdevice device;
  int sm_version;
  CUcontext context; /* retained primary context; NULL until retained */
  CUstream stream;
  int owns_stream;
  CUmodule module;
  CUgraphExec graph; /* the captured launch list; NULL: none */
  dlrt_device_function *functions;
  uint32_t function_count;
  unsigned char *staging; /* pinned */
  uint64_t staging_capacity;
  uint64_t staging_used;
  pending_download *pending;
  size_t pending_count;
  size_t pending_capacity;
} cuda_device;

#define CUDA_CHECK(cuda, call, what)                                                               \
  do {                                                                                             \
    CUresult check_result = (cuda)->driver.call;                                                   \
    if (check_result != CUDA_SUCCESS)                                                              \
      return dlrt_cuda_error(&(cuda)->driver, check_result, dlrt_cuda_call_name(#call), what);     \
  } while (0)

/* "cuMemAlloc_v2(&ptr, size)" -> "cuMemAlloc_v2", for messages. */
const char *dlrt_cuda_call_name(const char *call_text);
/* Makes the model's context current for one operation, leaving the caller's as it was;
 * leave returns `status`, or the pop's error when status was OK. */
int dlrt_cuda_context_enter(cuda_device *cuda);
int dlrt_cuda_context_leave(cuda_device *cuda, int status);
int dlrt_cuda_module_load(dlrt_device *device, const dlrt_program *program);
/* cuda_graph.c */
int dlrt_cuda_graph_capture(dlrt_device *device, int (*enqueue)(void *context), void *context,
                            int *out_captured, char *reason, size_t reason_size);
int dlrt_cuda_graph_launch(dlrt_device *device);
void dlrt_cuda_graph_destroy(cuda_device *cuda); /* in the device's context */
extern const dlrt_device_vtable dlrt_cuda_vtable;

#endif
