/* The CUDA driver opened at run time: dlopen of libcuda.so.1 (or $DLRT_LIBCUDA) and a table
 * of entry points from cuda_symbols.def; every CUresult is turned into a status + message. */
#ifndef DLRT_RUNTIME_CUDA_DRIVER_H
#define DLRT_RUNTIME_CUDA_DRIVER_H

#include <cuda.h>

typedef struct dlrt_cuda_driver {
  void *library; /* dlopen handle */
#define CUDA_SYMBOL(name) __typeof__(name) *name;
#include "runtime/cuda_symbols.def"
#undef CUDA_SYMBOL
  /* The first CUDA graph entry point the driver lacks; NULL: it has them all. */
  const char *missing_graph_symbol;
} dlrt_cuda_driver;

/* Opens the driver and resolves every entry point (graph ones may be missing);
 * DLRT_STATUS_NO_DEVICE without a driver or one that lacks a required entry point. */
int dlrt_cuda_driver_open(dlrt_cuda_driver *driver);
void dlrt_cuda_driver_close(dlrt_cuda_driver *driver);
/* For a failed `call` (its name, e.g. "cuMemAlloc_v2"): sets the last error to
 * "CALL failed: CUDA_ERROR_NAME (text) WHAT" and returns the status it maps to. */
int dlrt_cuda_error(const dlrt_cuda_driver *driver, CUresult result, const char *call,
                    const char *what);

#endif
