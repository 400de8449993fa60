/* The cuda device: the CUDA Driver API through dlopen, a primary context made current only
 * around each call, one stream, and host copies through a pinned staging buffer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/cuda_device.h"

/* "cuMemAlloc_v2(&ptr, size)" -> "cuMemAlloc_v2", for messages. */
const char *dlrt_cuda_call_name(const char *call_text) {
  static _Thread_local char name[64];
  size_t length = strcspn(call_text, "(");
  if (length >= sizeof name)
    length = sizeof name - 1;
  memcpy(name, call_text, length);
  name[length] = '\0';
  return name;
}

int dlrt_cuda_context_enter(cuda_device *cuda) {
  CUDA_CHECK(cuda, cuCtxPushCurrent_v2(cuda->context), "(making the device context current)");
  return DLRT_STATUS_OK;
}

int dlrt_cuda_context_leave(cuda_device *cuda, int status) {
  CUcontext popped;
  CUresult result = cuda->driver.cuCtxPopCurrent_v2(&popped);
  if (result != CUDA_SUCCESS && status == DLRT_STATUS_OK)
    return dlrt_cuda_error(&cuda->driver, result, "cuCtxPopCurrent_v2", "");
  return status;
}

static int cuda_synchronize_in_context(cuda_device *cuda) {
  CUresult result = cuda->driver.cuStreamSynchronize(cuda->stream);
  /* The staging buffer is free again either way; a failed run's outputs are not copied. */
  if (result == CUDA_SUCCESS)
    for (size_t i = 0; i < cuda->pending_count; i++)
      memcpy(cuda->pending[i].destination, cuda->staging + cuda->pending[i].staging_offset,
             cuda->pending[i].size);
  cuda->pending_count = 0;
  cuda->staging_used = 0;
  if (result != CUDA_SUCCESS)
    return dlrt_cuda_error(&cuda->driver, result, "cuStreamSynchronize",
                           "(a kernel or copy of this run failed)");
  return DLRT_STATUS_OK;
}

static int cuda_synchronize(dlrt_device *device) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, cuda_synchronize_in_context(cuda));
}

static void cuda_destroy(dlrt_device *device) {
  cuda_device *cuda = (cuda_device *)device;
  /* Errors here cannot be returned; they still land in the last-error text. */
  if (cuda->context && dlrt_cuda_context_enter(cuda) == DLRT_STATUS_OK) {
    dlrt_cuda_graph_destroy(cuda);
    if (cuda->module) {
      CUresult result = cuda->driver.cuModuleUnload(cuda->module);
      if (result != CUDA_SUCCESS)
        dlrt_cuda_error(&cuda->driver, result, "cuModuleUnload", "");
    }
    if (cuda->staging) {
      CUresult result = cuda->driver.cuMemFreeHost(cuda->staging);
      if (result != CUDA_SUCCESS)
        dlrt_cuda_error(&cuda->driver, result, "cuMemFreeHost", "");
    }
    if (cuda->owns_stream && cuda->stream) {
      CUresult result = cuda->driver.cuStreamDestroy_v2(cuda->stream);
      if (result != CUDA_SUCCESS)
        dlrt_cuda_error(&cuda->driver, result, "cuStreamDestroy_v2", "");
    }
    dlrt_cuda_context_leave(cuda, DLRT_STATUS_OK);
  }
  if (cuda->context) {
    CUresult result = cuda->driver.cuDevicePrimaryCtxRelease_v2(cuda->device);
    if (result != CUDA_SUCCESS)
      dlrt_cuda_error(&cuda->driver, result, "cuDevicePrimaryCtxRelease_v2", "");
  }
  dlrt_cuda_driver_close(&cuda->driver);
  free(cuda->functions);
  free(cuda->pending);
  free(cuda);
}

static int cuda_alloc(dlrt_device *device, uint64_t size, dlrt_device_ptr *out_ptr) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  CUdeviceptr ptr = 0;
  CUresult result = cuda->driver.cuMemAlloc_v2(&ptr, size ? size : 1);
  if (result != CUDA_SUCCESS) {
    char what[64];
    snprintf(what, sizeof what, "(%llu bytes)", (unsigned long long)size);
    status = dlrt_cuda_error(&cuda->driver, result, "cuMemAlloc_v2", what);
  }
  *out_ptr = ptr;
  return dlrt_cuda_context_leave(cuda, status);
}

static void cuda_free(dlrt_device *device, dlrt_device_ptr ptr) {
  cuda_device *cuda = (cuda_device *)device;
  if (dlrt_cuda_context_enter(cuda))
    return;
  CUresult result = cuda->driver.cuMemFree_v2((CUdeviceptr)ptr);
  if (result != CUDA_SUCCESS)
    dlrt_cuda_error(&cuda->driver, result, "cuMemFree_v2", "");
  dlrt_cuda_context_leave(cuda, DLRT_STATUS_OK);
}

/* Room for `size` bytes in the staging buffer, waiting for the stream when it is full. */
static int staging_take(cuda_device *cuda, uint64_t size, uint64_t *out_offset) {
  if (cuda->staging_used + size > cuda->staging_capacity) {
    int status = cuda_synchronize_in_context(cuda);
    if (status)
      return status;
  }
  *out_offset = cuda->staging_used;
  cuda->staging_used += (size + 255) & ~(uint64_t)255;
  return DLRT_STATUS_OK;
}

static int upload_chunks(cuda_device *cuda, dlrt_device_ptr dst, const void *src, uint64_t size) {
  for (uint64_t done = 0; done < size;) {
    uint64_t chunk = size - done;
    if (chunk > cuda->staging_capacity)
      chunk = cuda->staging_capacity;
    uint64_t offset;
    int status = staging_take(cuda, chunk, &offset);
    if (status)
      return status;
    memcpy(cuda->staging + offset, (const unsigned char *)src + done, chunk);
    CUDA_CHECK(cuda, cuMemcpyHtoDAsync_v2(dst + done, cuda->staging + offset, chunk, cuda->stream),
               "");
    done += chunk;
  }
  return DLRT_STATUS_OK;
}

static int cuda_copy_h2d(dlrt_device *device, dlrt_device_ptr dst, const void *src, uint64_t size) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, upload_chunks(cuda, dst, src, size));
}

static int pending_push(cuda_device *cuda, void *destination, uint64_t offset, uint64_t size) {
  if (cuda->pending_count == cuda->pending_capacity) {
    size_t capacity = cuda->pending_capacity ? cuda->pending_capacity * 2 : 16;
    pending_download *grown = realloc(cuda->pending, capacity * sizeof *grown);
    if (!grown)
      return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "cuda device: out of memory");
    cuda->pending = grown;
    cuda->pending_capacity = capacity;
  }
  cuda->pending[cuda->pending_count++] = (pending_download){destination, offset, size};
  return DLRT_STATUS_OK;
}

static int download_chunks(cuda_device *cuda, void *dst, dlrt_device_ptr src, uint64_t size) {
  for (uint64_t done = 0; done < size;) {
    uint64_t chunk = size - done;
    if (chunk > cuda->staging_capacity)
      chunk = cuda->staging_capacity;
    uint64_t offset;
    int status = staging_take(cuda, chunk, &offset);
    if (status)
      return status;
    CUDA_CHECK(cuda, cuMemcpyDtoHAsync_v2(cuda->staging + offset, src + done, chunk, cuda->stream),
               "");
    status = pending_push(cuda, (unsigned char *)dst + done, offset, chunk);
    if (status)
      return status;
    done += chunk;
  }
  return DLRT_STATUS_OK;
}

static int cuda_copy_d2h(dlrt_device *device, void *dst, dlrt_device_ptr src, uint64_t size) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, download_chunks(cuda, dst, src, size));
}

static int copy_d2d_in_context(cuda_device *cuda, dlrt_device_ptr dst, dlrt_device_ptr src,
                               uint64_t size) {
  CUDA_CHECK(cuda, cuMemcpyDtoDAsync_v2(dst, src, size, cuda->stream), "");
  return DLRT_STATUS_OK;
}

static int cuda_copy_d2d(dlrt_device *device, dlrt_device_ptr dst, dlrt_device_ptr src,
                         uint64_t size) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, copy_d2d_in_context(cuda, dst, src, size));
}

static int zero_in_context(cuda_device *cuda, dlrt_device_ptr dst, uint64_t size) {
  CUDA_CHECK(cuda, cuMemsetD8Async(dst, 0, size, cuda->stream), "");
  return DLRT_STATUS_OK;
}

static int cuda_zero(dlrt_device *device, dlrt_device_ptr dst, uint64_t size) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, zero_in_context(cuda, dst, size));
}

static int cuda_function_lookup(dlrt_device *device, uint32_t kernel_index,
                                dlrt_device_function **out_function) {
  cuda_device *cuda = (cuda_device *)device;
  if (kernel_index >= cuda->function_count)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "cuda device: no kernel %u", kernel_index);
  *out_function = &cuda->functions[kernel_index];
  return DLRT_STATUS_OK;
}

static int launch_in_context(cuda_device *cuda, dlrt_device_function *function,
                             const dlrt_launch_geometry *g, void **params) {
  CUDA_CHECK(cuda,
             cuLaunchKernel(function->function, g->grid[0], g->grid[1], g->grid[2], g->block[0],
                            g->block[1], g->block[2], function->dynamic_shared_bytes, cuda->stream,
                            params, NULL),
             "");
  return DLRT_STATUS_OK;
}

static int cuda_launch(dlrt_device *device, dlrt_device_function *function,
                       const dlrt_launch_geometry *geometry, void **params) {
  cuda_device *cuda = (cuda_device *)device;
  int status = dlrt_cuda_context_enter(cuda);
  if (status)
    return status;
  return dlrt_cuda_context_leave(cuda, launch_in_context(cuda, function, geometry, params));
}

const dlrt_device_vtable dlrt_cuda_vtable = {
    .destroy = cuda_destroy,
    .alloc = cuda_alloc,
    .free = cuda_free,
    .copy_h2d = cuda_copy_h2d,
    .copy_d2h = cuda_copy_d2h,
    .copy_d2d = cuda_copy_d2d,
    .zero = cuda_zero,
    .module_load = dlrt_cuda_module_load,
    .function_lookup = cuda_function_lookup,
    .launch = cuda_launch,
    .synchronize = cuda_synchronize,
    .graph_capture = dlrt_cuda_graph_capture,
    .graph_launch = dlrt_cuda_graph_launch,
};
