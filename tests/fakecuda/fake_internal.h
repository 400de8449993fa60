/* State shared by the fake driver's files: one lock, call counting and fault injection. */
#ifndef FAKECUDA_INTERNAL_H
#define FAKECUDA_INTERNAL_H

#include <cuda.h>
#include <pthread.h>
#include <stddef.h>

#include "dlrt.h"

#include "fakecuda.h"

#define FAKE_EXPORT __attribute__((visibility("default")))

extern pthread_mutex_t fake_lock;

/* Counts one call of `entry_point` and returns the error to fail it with (injected), or
 * CUDA_SUCCESS. Takes the lock itself. */
CUresult fake_enter(const char *entry_point);
int fake_initialized(void);
void fake_set_initialized(void);
void fake_record_launch(const fakecuda_launch *launch);
void fake_count_copy(int direction, uint64_t bytes, int pageable); /* 0 h2d, 1 d2h, 2 d2d */
/* Live driver objects (modules, streams) with the function that frees each, so that the
 * last release of the primary context can reclaim them as the real driver does. */
void fake_object_add(void *handle, void (*destroy)(void *));
int fake_object_remove(void *handle); /* 1 when it was live */
/* The destroy entry points: counted, then the object is freed even when a failure is injected
 * (so leak counts stay meaningful) and that failure returned; `unknown` for a dead handle. */
CUresult fake_object_destroy(const char *entry_point, void *handle, void (*destroy)(void *),
                             CUresult unknown);
int fake_object_is_live(const void *handle);
/* Context retains count as live objects too. */
void fake_count_retains(int delta);
/* Frees everything still live when the primary context goes away; returns how many. */
int fake_reclaim_context_resources(void);
int fake_memory_reclaim(void);

/* Whether this thread has a current context, and the device's compute capability as
 * 10 * major + minor (fake_device.c). */
int fake_has_context(void);
int fake_sm_version(void);
/* fake_enter, then CUDA_ERROR_INVALID_CONTEXT without a current context. */
CUresult fake_enter_in_context(const char *entry_point);

/* CUDA's kernel parameter space: a module whose entry needs more fails to load. */
#define PARAM_SPACE_BYTES 4096u

/* A kernel entry of a loaded module, bound to libdlrt's host twin of the same name. */
struct CUfunc_st {
  char name[128];
  uint32_t param_count;
  uint32_t param_sizes[PARAM_SPACE_BYTES];
  dlrt_kernel twin; /* host_fn, shared and scratch sizes from the registry */
  int max_dynamic_shared;
};

struct CUmod_st {
  int function_count;
  struct CUfunc_st *functions;
};

/* A stream; `capture` is the graph being recorded between cuStreamBeginCapture and
 * cuStreamEndCapture (NULL otherwise). */
struct CUstream_st {
  struct CUgraph_st *capture;
};

/* Launches (fake_module.c): the checks cuLaunchKernel makes, and running one launch (recorded,
 * then the twin over the grid) as cuLaunchKernel and a graph replay both do. */
CUresult fake_launch_check(const struct CUfunc_st *function, const unsigned grid[3],
                           const unsigned block[3], unsigned shared_bytes, void **params);
CUresult fake_launch_run(const struct CUfunc_st *function, const unsigned grid[3],
                         const unsigned block[3], unsigned shared_bytes, void **params);

/* Graphs (fake_graph.c): the graph `stream` is capturing into (NULL: not capturing, or not a
 * stream of the fake), adding a launch to it (parameter values copied, as the driver does),
 * and freeing one. */
struct CUgraph_st *fake_stream_capture(CUstream stream);
CUresult fake_graph_add_launch(struct CUgraph_st *graph, struct CUfunc_st *function,
                               const unsigned grid[3], const unsigned block[3],
                               unsigned shared_bytes, void **params);
void fake_graph_free(struct CUgraph_st *graph);

/* A module from a cubin (fake_cubin.c): whether `image` starts like an ELF file, and its
 * entries and parameter sizes read from it; on failure a message goes to `log`. */
int fake_cubin_is_elf(const void *image);
CUresult fake_cubin_parse(const unsigned char *image, struct CUmod_st *module, int *out_sm_version,
                          char *log, size_t log_size);

/* Appends a line to $FAKECUDA_TRACE when it names a file (fake_state.c). */
void fake_trace(const char *format, ...) __attribute__((format(printf, 1, 2)));
void fake_record_module_load(const fakecuda_module_load *load);

/* Memory tracking (fake_memory.c): whether [address, address+size) lies in one live
 * allocation of the kind asked (device or pinned). */
int fake_memory_contains(uint64_t address, uint64_t size, int pinned);

#endif
