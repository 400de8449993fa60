/* Creating the cuda device: open the driver, pick the device, retain its primary context,
 * make a stream and the pinned staging buffer. Any failure undoes what was done. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cuda_device.h"

#define STAGING_MIN (64ull * 1024)
#define STAGING_MAX (64ull * 1024 * 1024)

static int pick_device(cuda_device *cuda) {
  CUDA_CHECK(cuda, cuInit(0), "");
  int count = 0;
  CUDA_CHECK(cuda, cuDeviceGetCount(&count), "");
  if (count == 0)
    return dlrt_error(DLRT_STATUS_NO_DEVICE, "the NVIDIA driver reports no CUDA device");
  if (cuda->ordinal < 0 || cuda->ordinal >= count)
    return dlrt_error(DLRT_STATUS_NO_DEVICE, "cuda device %d requested but there %s only %d",
                      cuda->ordinal, count == 1 ? "is" : "are", count);
  CUDA_CHECK(cuda, cuDeviceGet(&cuda->device, cuda->ordinal), "");
  char device_name[96] = "";
  CUDA_CHECK(cuda, cuDeviceGetName(device_name, (int)sizeof device_name - 1, cuda->device), "");
  int major = 0, minor = 0;
  CUDA_CHECK(
      cuda,
      cuDeviceGetAttribute(&major, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR, cuda->device), "");
  CUDA_CHECK(
      cuda,
      cuDeviceGetAttribute(&minor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR, cuda->device), "");
  cuda->sm_version = major * 10 + minor;
  snprintf(cuda->base.name, sizeof cuda->base.name, "cuda:%d %s (sm_%d)", cuda->ordinal,
           device_name, cuda->sm_version);
  return DLRT_STATUS_OK;
}

static int make_stream_and_staging(cuda_device *cuda, void *stream, uint64_t staging_hint) {
  if (stream) {
    cuda->stream = (CUstream)stream;
  } else {
    CUDA_CHECK(cuda, cuStreamCreate(&cuda->stream, CU_STREAM_NON_BLOCKING), "");
    cuda->owns_stream = 1;
  }
  uint64_t capacity = staging_hint < STAGING_MIN   ? STAGING_MIN
                      : staging_hint > STAGING_MAX ? STAGING_MAX
                                                   : staging_hint;
  capacity = (capacity + 255) & ~(uint64_t)255;
  void *staging = NULL;
  char what[64];
  snprintf(what, sizeof what, "(%llu pinned staging bytes)", (unsigned long long)capacity);
  CUDA_CHECK(cuda, cuMemHostAlloc(&staging, capacity, 0), what);
  cuda->staging = staging;
  cuda->staging_capacity = capacity;
  return DLRT_STATUS_OK;
}

static int open_device(cuda_device *cuda, void *stream, uint64_t staging_hint) {
  int status = dlrt_cuda_driver_open(&cuda->driver);
  if (status == DLRT_STATUS_OK)
    status = pick_device(cuda);
  if (status)
    return status;
  CUcontext context = NULL;
  CUDA_CHECK(cuda, cuDevicePrimaryCtxRetain(&context, cuda->device), "");
  cuda->context = context;
  status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, make_stream_and_staging(cuda, stream, staging_hint));
}

static cuda_device *cuda_device_new(int ordinal) {
  cuda_device *cuda = calloc(1, sizeof *cuda);
  if (!cuda)
    return NULL;
  cuda->base.vtable = &dlrt_cuda_vtable;
  cuda->base.kind = DLRT_DEVICE_CUDA;
  cuda->ordinal = ordinal;
  return cuda;
}

/* Destroys `cuda` (which releases exactly what was taken so far), keeping the message of a
 * failure `status` as the last error. Returns `status`. */
static int cuda_device_release(cuda_device *cuda, int status) {
  char message[4096];
  snprintf(message, sizeof message, "%s", dlrt_last_error());
  cuda->base.vtable->destroy(&cuda->base);
  if (status)
    dlrt_error(status, "%s", message);
  return status;
}

int dlrt_cuda_device_create(int ordinal, void *stream, uint64_t staging_hint,
                            dlrt_device **out_device) {
  *out_device = NULL;
  cuda_device *cuda = cuda_device_new(ordinal);
  if (!cuda)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "cuda device: out of memory");
  int status = open_device(cuda, stream, staging_hint);
  if (status)
    return cuda_device_release(cuda, status);
  *out_device = &cuda->base;
  return DLRT_STATUS_OK;
}

dlrt_status dlrt_cuda_probe(int ordinal) {
  cuda_device *cuda = cuda_device_new(ordinal);
  if (!cuda)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "cuda device: out of memory");
  int status = dlrt_cuda_driver_open(&cuda->driver);
  if (status == DLRT_STATUS_OK)
    status = pick_device(cuda);
  return cuda_device_release(cuda, status); /* only the driver was taken */
}
