/* The device a command runs on (cli_device.h). */
#include "tools/dlcc/cli_device.h"

#include <dlfcn.h>
#include <stdlib.h>

bool cli_cuda_driver_present(void) {
  const char *path = getenv("DLRT_LIBCUDA");
  void *handle = dlopen(path && *path ? path : "libcuda.so.1", RTLD_LAZY | RTLD_LOCAL);
  if (handle)
    dlclose(handle);
  return handle != NULL;
}

dlrt_device_kind cli_dlrt_device(run_device device, bool has_ptx) {
  switch (device) {
  case RUN_DEVICE_HOST:
    return DLRT_DEVICE_HOST;
  case RUN_DEVICE_CUDA:
    return DLRT_DEVICE_CUDA;
  case RUN_DEVICE_AUTO:
    break;
  }
  return has_ptx ? DLRT_DEVICE_AUTO : DLRT_DEVICE_HOST; /* no driver: no PTX was made */
}
