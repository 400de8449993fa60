/* The host device: memory is host memory and a launch runs the kernel's host twin once per
 * block of the grid on a pool of worker threads. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "runtime/device.h"
#include "runtime/error.h"
#include "runtime/host_pool.h"

struct dlrt_device_function {
  dlrt_host_block_fn fn;
  uint32_t shared_bytes;
  uint32_t scratch_bytes;
};

typedef struct host_device {
  dlrt_device base;
  dlrt_host_pool *pool;
  dlrt_device_function *functions;
  uint32_t function_count;
} host_device;

static void host_destroy(dlrt_device *device) {
  host_device *host = (host_device *)device;
  dlrt_host_pool_destroy(host->pool);
  free(host->functions);
  free(host);
}

static int host_alloc(dlrt_device *device, uint64_t size, dlrt_device_ptr *out_ptr) {
  /* 256 like cuMemAlloc, so kernels may assume the same alignment on both devices. */
  uint64_t rounded = (size + 255) & ~(uint64_t)255;
  void *memory = rounded ? aligned_alloc(256, rounded) : aligned_alloc(256, 256);
  if (!memory)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host device: cannot allocate %llu bytes",
                      (unsigned long long)size);
  *out_ptr = (dlrt_device_ptr)(uintptr_t)memory;
  return DLRT_STATUS_OK;
}

static void host_free(dlrt_device *device, dlrt_device_ptr ptr) { free((void *)(uintptr_t)ptr); }

static int host_copy_h2d(dlrt_device *device, dlrt_device_ptr dst, const void *src, uint64_t size) {
  memcpy((void *)(uintptr_t)dst, src, size);
  return DLRT_STATUS_OK;
}

static int host_copy_d2h(dlrt_device *device, void *dst, dlrt_device_ptr src, uint64_t size) {
  memcpy(dst, (const void *)(uintptr_t)src, size);
  return DLRT_STATUS_OK;
}

static int host_copy_d2d(dlrt_device *device, dlrt_device_ptr dst, dlrt_device_ptr src,
                         uint64_t size) {
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
  return DLRT_STATUS_OK;
}

static int host_zero(dlrt_device *device, dlrt_device_ptr dst, uint64_t size) {
  memset((void *)(uintptr_t)dst, 0, size);
  return DLRT_STATUS_OK;
}

static int host_module_load(dlrt_device *device, const dlrt_program *program) {
  host_device *host = (host_device *)device;
  snprintf(device->kernel_source, sizeof device->kernel_source, "host twins");
  dlrt_device_function *functions = calloc(program->kernel_count + 1, sizeof *functions);
  if (!functions)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host device: out of memory for %u kernels",
                      program->kernel_count);
  for (uint32_t i = 0; i < program->kernel_count; i++) {
    const dlrt_kernel *kernel = &program->kernels[i];
    dlrt_host_block_fn fn =
        kernel->host_fn ? kernel->host_fn : dlrt_host_kernel_lookup(kernel->name);
    if (!fn) {
      free(functions);
      return dlrt_error(DLRT_STATUS_INVALID_PROGRAM,
                        "program '%s': kernel %u '%s' has no host twin (compile with a host "
                        "target or register one with dlrt_host_kernel_register)",
                        program->name ? program->name : "?", i, kernel->name);
    }
    functions[i] = (dlrt_device_function){fn, kernel->shared_bytes, kernel->scratch_bytes};
  }
  free(host->functions);
  host->functions = functions;
  host->function_count = program->kernel_count;
  return DLRT_STATUS_OK;
}

static int host_function_lookup(dlrt_device *device, uint32_t kernel_index,
                                dlrt_device_function **out_function) {
  host_device *host = (host_device *)device;
  if (kernel_index >= host->function_count)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT, "host device: no kernel %u", kernel_index);
  *out_function = &host->functions[kernel_index];
  return DLRT_STATUS_OK;
}

static int host_launch(dlrt_device *device, dlrt_device_function *function,
                       const dlrt_launch_geometry *geometry, void **params) {
  host_device *host = (host_device *)device;
  return dlrt_host_pool_run(host->pool, function->fn, params, geometry->grid, geometry->block,
                            function->shared_bytes, function->scratch_bytes);
}

/* Launches and copies finish before they return. */
static int host_synchronize(dlrt_device *device) { return DLRT_STATUS_OK; }

static const dlrt_device_vtable host_vtable = {
    .destroy = host_destroy,
    .alloc = host_alloc,
    .free = host_free,
    .copy_h2d = host_copy_h2d,
    .copy_d2h = host_copy_d2h,
    .copy_d2d = host_copy_d2d,
    .zero = host_zero,
    .module_load = host_module_load,
    .function_lookup = host_function_lookup,
    .launch = host_launch,
    .synchronize = host_synchronize,
};

int dlrt_host_device_create(int threads, dlrt_device **out_device) {
  *out_device = NULL;
  if (threads <= 0) {
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    threads = cores > 0 ? (int)cores : 1;
  }
  host_device *host = calloc(1, sizeof *host);
  if (!host)
    return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host device: out of memory");
  int status = dlrt_host_pool_create(threads, &host->pool);
  if (status) {
    free(host);
    return status;
  }
  host->base.vtable = &host_vtable;
  host->base.kind = DLRT_DEVICE_HOST;
  host->base.host_addressable = 1;
  snprintf(host->base.name, sizeof host->base.name, "host (%d thread%s)", threads,
           threads == 1 ? "" : "s");
  *out_device = &host->base;
  return DLRT_STATUS_OK;
}
