/* Fake driver: initialization, error names, devices, primary contexts and streams (their
 * capture state is fake_graph.c's). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

#define MAX_CONTEXT_DEPTH 16

struct CUctx_st {
  int device;
  int retains;
};

static struct CUctx_st primary_contexts[8];
static int device_count = -1; /* -1: read $FAKECUDA_DEVICE_COUNT */
static int sm_version = -1;
static _Thread_local CUcontext context_stack[MAX_CONTEXT_DEPTH];
static _Thread_local int context_depth;

FAKE_EXPORT void fakecuda_set_device_count(int count) { device_count = count; }
FAKE_EXPORT void fakecuda_set_sm_version(int version) { sm_version = version; }
FAKE_EXPORT int fakecuda_context_depth(void) { return context_depth; }

static int devices(void) {
  if (device_count < 0) {
    const char *text = getenv("FAKECUDA_DEVICE_COUNT");
    device_count = text ? atoi(text) : 1;
  }
  return device_count > 8 ? 8 : device_count;
}

int fake_sm_version(void) {
  if (sm_version < 0) {
    const char *text = getenv("FAKECUDA_SM");
    sm_version = text ? atoi(text) : 80;
  }
  return sm_version;
}

#define ENTER(name)                                                                                \
  do {                                                                                             \
    CUresult injected = fake_enter(name);                                                          \
    if (injected != CUDA_SUCCESS)                                                                  \
      return injected;                                                                             \
  } while (0)
#define NEED_INIT()                                                                                \
  do {                                                                                             \
    if (!fake_initialized())                                                                       \
      return CUDA_ERROR_NOT_INITIALIZED;                                                           \
  } while (0)

FAKE_EXPORT CUresult cuInit(unsigned int flags) {
  ENTER("cuInit");
  if (flags != 0)
    return CUDA_ERROR_INVALID_VALUE;
  if (devices() == 0)
    return CUDA_ERROR_NO_DEVICE;
  fake_set_initialized();
  return CUDA_SUCCESS;
}

static const struct {
  CUresult code;
  const char *name;
  const char *text;
} error_table[] = {
    {CUDA_SUCCESS, "CUDA_SUCCESS", "no error"},
    {CUDA_ERROR_INVALID_VALUE, "CUDA_ERROR_INVALID_VALUE", "invalid argument"},
    {CUDA_ERROR_OUT_OF_MEMORY, "CUDA_ERROR_OUT_OF_MEMORY", "out of memory"},
    {CUDA_ERROR_NOT_INITIALIZED, "CUDA_ERROR_NOT_INITIALIZED", "initialization error"},
    {CUDA_ERROR_NO_DEVICE, "CUDA_ERROR_NO_DEVICE", "no CUDA-capable device is detected"},
    {CUDA_ERROR_INVALID_DEVICE, "CUDA_ERROR_INVALID_DEVICE", "invalid device ordinal"},
    {CUDA_ERROR_INVALID_CONTEXT, "CUDA_ERROR_INVALID_CONTEXT", "invalid device context"},
    {CUDA_ERROR_INVALID_PTX, "CUDA_ERROR_INVALID_PTX", "a PTX JIT compilation failed"},
    {CUDA_ERROR_INVALID_IMAGE, "CUDA_ERROR_INVALID_IMAGE", "device kernel image is invalid"},
    {CUDA_ERROR_NO_BINARY_FOR_GPU, "CUDA_ERROR_NO_BINARY_FOR_GPU",
     "no kernel image is available for execution on the device"},
    {CUDA_ERROR_NOT_FOUND, "CUDA_ERROR_NOT_FOUND", "named symbol not found"},
    {CUDA_ERROR_INVALID_HANDLE, "CUDA_ERROR_INVALID_HANDLE", "invalid resource handle"},
    {CUDA_ERROR_ILLEGAL_ADDRESS, "CUDA_ERROR_ILLEGAL_ADDRESS",
     "an illegal memory access was encountered"},
    {CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES, "CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES",
     "too many resources requested for launch"},
    {CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED, "CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED",
     "operation not permitted when stream is capturing"},
    {CUDA_ERROR_ILLEGAL_STATE, "CUDA_ERROR_ILLEGAL_STATE", "the operation is not permitted"},
};

static int error_index(CUresult code) {
  for (size_t i = 0; i < sizeof error_table / sizeof error_table[0]; i++)
    if (error_table[i].code == code)
      return (int)i;
  return -1;
}

FAKE_EXPORT CUresult cuGetErrorName(CUresult error, const char **out_name) {
  ENTER("cuGetErrorName");
  int index = error_index(error);
  *out_name = index < 0 ? NULL : error_table[index].name;
  return index < 0 ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuGetErrorString(CUresult error, const char **out_text) {
  ENTER("cuGetErrorString");
  int index = error_index(error);
  *out_text = index < 0 ? NULL : error_table[index].text;
  return index < 0 ? CUDA_ERROR_INVALID_VALUE : CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetCount(int *count) {
  ENTER("cuDeviceGetCount");
  NEED_INIT();
  *count = devices();
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGet(CUdevice *device, int ordinal) {
  ENTER("cuDeviceGet");
  NEED_INIT();
  if (ordinal < 0 || ordinal >= devices())
    return CUDA_ERROR_INVALID_DEVICE;
  *device = ordinal;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetName(char *name, int length, CUdevice device) {
  ENTER("cuDeviceGetName");
  NEED_INIT();
  if (device < 0 || device >= devices() || length <= 0)
    return CUDA_ERROR_INVALID_VALUE;
  snprintf(name, (size_t)length, "fakecuda GPU %d", device);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDeviceGetAttribute(int *value, CUdevice_attribute attribute,
                                          CUdevice device) {
  ENTER("cuDeviceGetAttribute");
  NEED_INIT();
  if (device < 0 || device >= devices())
    return CUDA_ERROR_INVALID_DEVICE;
  switch (attribute) {
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR:
    *value = fake_sm_version() / 10;
    break;
  case CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR:
    *value = fake_sm_version() % 10;
    break;
  default:
    return CUDA_ERROR_INVALID_VALUE;
  }
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuDevicePrimaryCtxRetain(CUcontext *context, CUdevice device) {
  ENTER("cuDevicePrimaryCtxRetain");
  NEED_INIT();
  if (device < 0 || device >= devices())
    return CUDA_ERROR_INVALID_DEVICE;
  primary_contexts[device].device = device;
  primary_contexts[device].retains++;
  fake_count_retains(1);
  *context = &primary_contexts[device];
  return CUDA_SUCCESS;
}

/* Release-type calls release even when a failure is injected (the driver reclaims the
 * resource with the context), so leak counts stay meaningful; the error is still returned.
 * The last release destroys the primary context with everything made in it, like the
 * driver; fakecuda_reclaimed() tells tests how much a client left for it. */
FAKE_EXPORT CUresult cuDevicePrimaryCtxRelease_v2(CUdevice device) {
  CUresult result = fake_enter("cuDevicePrimaryCtxRelease_v2");
  if (device < 0 || device >= devices() || primary_contexts[device].retains == 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  primary_contexts[device].retains--;
  fake_count_retains(-1);
  int retained = 0;
  for (int i = 0; i < 8; i++)
    retained += primary_contexts[i].retains;
  if (retained == 0)
    fake_reclaim_context_resources();
  return result;
}

FAKE_EXPORT CUresult cuCtxPushCurrent_v2(CUcontext context) {
  ENTER("cuCtxPushCurrent_v2");
  NEED_INIT();
  if (!context || context->retains == 0 || context_depth == MAX_CONTEXT_DEPTH)
    return CUDA_ERROR_INVALID_CONTEXT;
  context_stack[context_depth++] = context;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuCtxPopCurrent_v2(CUcontext *out_context) {
  CUresult result = fake_enter("cuCtxPopCurrent_v2");
  if (context_depth == 0)
    return CUDA_ERROR_INVALID_CONTEXT;
  CUcontext popped = context_stack[--context_depth];
  if (out_context)
    *out_context = popped;
  return result;
}

/* For the other files: calls that need a current context. */
int fake_has_context(void) { return context_depth > 0; }

CUresult fake_enter_in_context(const char *entry_point) {
  CUresult result = fake_enter(entry_point);
  if (result == CUDA_SUCCESS && !fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  return result;
}

static void free_stream(void *handle) {
  struct CUstream_st *stream = handle;
  fake_graph_free(stream->capture); /* destroyed while capturing: the capture is lost */
  free(stream);
}

FAKE_EXPORT CUresult cuStreamCreate(CUstream *stream, unsigned int flags) {
  ENTER("cuStreamCreate");
  NEED_INIT();
  if (!fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  struct CUstream_st *created = calloc(1, sizeof *created);
  if (!created)
    return CUDA_ERROR_OUT_OF_MEMORY;
  fake_object_add(created, free_stream);
  *stream = created;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuStreamDestroy_v2(CUstream stream) {
  return fake_object_destroy("cuStreamDestroy_v2", stream, free_stream, CUDA_ERROR_INVALID_HANDLE);
}

/* Work runs at enqueue time in the fake, so synchronizing only checks the handle. */
FAKE_EXPORT CUresult cuStreamSynchronize(CUstream stream) {
  ENTER("cuStreamSynchronize");
  NEED_INIT();
  if (stream && !fake_object_is_live(stream))
    return CUDA_ERROR_INVALID_HANDLE;
  if (!fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (fake_stream_capture(stream))
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  return CUDA_SUCCESS;
}
