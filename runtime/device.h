/* The device interface under dlrt_model: memory, copies, kernels and launches, implemented
 * by the host device (CPU threads running host twins) and the cuda device (Driver API). */
#ifndef DLRT_RUNTIME_DEVICE_H
#define DLRT_RUNTIME_DEVICE_H

#include <stddef.h>
#include <stdint.h>

#include "dlrt.h"

typedef struct dlrt_device dlrt_device;
/* A device address (CUdeviceptr; a host address on the host device). */
typedef uint64_t dlrt_device_ptr;
/* A loaded kernel, opaque to the model. */
typedef struct dlrt_device_function dlrt_device_function;

typedef struct dlrt_launch_geometry {
  uint32_t grid[3];
  uint32_t block[3];
} dlrt_launch_geometry;

/* Every int-returning entry returns a dlrt_status and sets the last error on failure.
 * Copies and launches may be asynchronous; synchronize waits for them and completes
 * pending device-to-host copies. */
typedef struct dlrt_device_vtable {
  void (*destroy)(dlrt_device *device);
  int (*alloc)(dlrt_device *device, uint64_t size, dlrt_device_ptr *out_ptr);
  void (*free)(dlrt_device *device, dlrt_device_ptr ptr);
  int (*copy_h2d)(dlrt_device *device, dlrt_device_ptr dst, const void *src, uint64_t size);
  int (*copy_d2h)(dlrt_device *device, void *dst, dlrt_device_ptr src, uint64_t size);
  int (*copy_d2d)(dlrt_device *device, dlrt_device_ptr dst, dlrt_device_ptr src, uint64_t size);
  /* Sets `size` bytes at `dst` to 0 (asynchronous like the copies). */
  int (*zero)(dlrt_device *device, dlrt_device_ptr dst, uint64_t size);
  /* Loads the program's kernels (PTX module on cuda); done once per model. */
  int (*module_load)(dlrt_device *device, const dlrt_program *program);
  /* The loaded kernel `kernel_index` of the program; owned by the device. */
  int (*function_lookup)(dlrt_device *device, uint32_t kernel_index,
                         dlrt_device_function **out_function);
  int (*launch)(dlrt_device *device, dlrt_device_function *function,
                const dlrt_launch_geometry *geometry, void **params);
  int (*synchronize)(dlrt_device *device);
  /* Devices with graphs (cuda; NULL elsewhere): records every launch `enqueue` makes into
   * one graph, which graph_launch then replays on the device's stream. When the device cannot
   * make graphs, returns DLRT_STATUS_OK with *out_captured 0 and the reason in `reason`. */
  int (*graph_capture)(dlrt_device *device, int (*enqueue)(void *context), void *context,
                       int *out_captured, char *reason, size_t reason_size);
  int (*graph_launch)(dlrt_device *device);
} dlrt_device_vtable;

struct dlrt_device {
  const dlrt_device_vtable *vtable;
  dlrt_device_kind kind;
  /* Host pointers are device pointers (the host device): no staging copies needed. */
  int host_addressable;
  char name[160];
  /* What module_load loaded: "sm_90 cubin", "sm_80 PTX" (JIT-compiled by the driver) or
   * "host twins". */
  char kernel_source[192];
};

/* Host device: `threads` workers (0: number of online cores). */
int dlrt_host_device_create(int threads, dlrt_device **out_device);
/* Cuda device on `ordinal`; `stream` NULL makes one. Fails with DLRT_STATUS_NO_DEVICE when
 * no driver or no GPU answers. `staging_hint` sizes the pinned staging buffer. */
int dlrt_cuda_device_create(int ordinal, void *stream, uint64_t staging_hint,
                            dlrt_device **out_device);

#endif
