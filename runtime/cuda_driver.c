/* Opening libcuda with dlopen, so libdlrt builds and runs its host path without a driver. */
#include "runtime/cuda_driver.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

int dlrt_cuda_driver_open(dlrt_cuda_driver *driver) {
  memset(driver, 0, sizeof *driver);
  const char *override = getenv("DLRT_LIBCUDA");
  const char *path = override && *override ? override : "libcuda.so.1";
  driver->library = dlopen(path, RTLD_NOW | RTLD_LOCAL);
  if (!driver->library) {
    if (override && *override)
      return dlrt_error(DLRT_STATUS_NO_DEVICE,
                        "libcuda.so.1 not found: no NVIDIA driver on this machine "
                        "(DLRT_LIBCUDA=%s: %s)",
                        path, dlerror());
    return dlrt_error(DLRT_STATUS_NO_DEVICE,
                      "libcuda.so.1 not found: no NVIDIA driver on this machine");
  }
#define CUDA_SYMBOL(name)                                                                          \
  *(void **)&driver->name = dlsym(driver->library, #name);                                         \
  if (!driver->name) {                                                                             \
    dlrt_cuda_driver_close(driver);                                                                \
    return dlrt_error(DLRT_STATUS_NO_DEVICE,                                                       \
                      "%s has no entry point %s: the NVIDIA driver is too old (need CUDA 11+)",    \
                      path, #name);                                                                \
  }
#define CUDA_GRAPH_SYMBOL(name)                                                                    \
  *(void **)&driver->name = dlsym(driver->library, #name);                                         \
  if (!driver->name && !driver->missing_graph_symbol)                                              \
    driver->missing_graph_symbol = #name;
#include "runtime/cuda_symbols.def"
#undef CUDA_SYMBOL
  return DLRT_STATUS_OK;
}

void dlrt_cuda_driver_close(dlrt_cuda_driver *driver) {
  if (driver->library)
    dlclose(driver->library);
  memset(driver, 0, sizeof *driver);
}

static int status_of(CUresult result) {
  switch (result) {
  case CUDA_ERROR_OUT_OF_MEMORY:
    return DLRT_STATUS_OUT_OF_MEMORY;
  case CUDA_ERROR_NO_DEVICE:
  case CUDA_ERROR_INVALID_DEVICE:
  case CUDA_ERROR_NOT_INITIALIZED:
    return DLRT_STATUS_NO_DEVICE;
  case CUDA_ERROR_INVALID_PTX:
  case CUDA_ERROR_INVALID_IMAGE:
  case CUDA_ERROR_NO_BINARY_FOR_GPU:
  case CUDA_ERROR_UNSUPPORTED_PTX_VERSION:
  case CUDA_ERROR_JIT_COMPILER_NOT_FOUND:
  case CUDA_ERROR_NOT_FOUND:
    return DLRT_STATUS_MODULE_LOAD;
  default:
    return DLRT_STATUS_DEVICE_ERROR;
  }
}

int dlrt_cuda_error(const dlrt_cuda_driver *driver, CUresult result, const char *call,
                    const char *what) {
  const char *name = NULL;
  const char *text = NULL;
  char number[32];
  /* Without a name from the driver, the number still identifies the error. */
  if (driver->cuGetErrorName(result, &name) != CUDA_SUCCESS || !name) {
    snprintf(number, sizeof number, "CUresult %d", (int)result);
    name = number;
  }
  if (driver->cuGetErrorString(result, &text) != CUDA_SUCCESS || !text)
    text = "no description from the driver";
  return dlrt_error(status_of(result), "%s failed: %s (%s)%s%s", call, name, text,
                    what && *what ? " " : "", what ? what : "");
}
