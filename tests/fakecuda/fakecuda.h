/* The test-only side of the fake libcuda.so.1: what it recorded (launches, copies, live
 * allocations) and fault injection. Link the fake to call these; libdlrt only dlopens it. */
#ifndef FAKECUDA_H
#define FAKECUDA_H

#include <stdint.h>

/* Parameters a launch record keeps (a kernel may have more: CUDA's 4 KiB of parameter space
 * holds 512 pointers). */
#define FAKECUDA_RECORDED_PARAMS 32

typedef struct fakecuda_launch {
  char name[128];
  uint32_t grid[3];
  uint32_t block[3];
  uint32_t shared_bytes;                /* cuLaunchKernel's sharedMemBytes */
  uint32_t param_count;                      /* from the PTX .entry signature */
  uint64_t params[FAKECUDA_RECORDED_PARAMS]; /* the first ones' values, zero-extended */
} fakecuda_launch;

/* One cuModuleLoadDataEx that succeeded: which kind of image, for which architecture. */
typedef struct fakecuda_module_load {
  int cubin;      /* 1: an ELF cubin, 0: PTX text (JIT) */
  int sm_version; /* the cubin's architecture, or the PTX's .target */
  int entry_count;
} fakecuda_module_load;

typedef struct fakecuda_copies {
  int h2d_count, d2h_count, d2d_count;
  uint64_t h2d_bytes, d2h_bytes, d2d_bytes;
  int pageable_count; /* async host copies whose host side was not pinned (cuMemHostAlloc) */
} fakecuda_copies;

/* Forgets call counts, injected failures, launch records and copy statistics (not live
 * objects). Failures are counted from here: fakecuda_fail("cuMemAlloc_v2", 2) fails the
 * second cuMemAlloc_v2 after the reset. $FAKECUDA_FAIL="name:n[,name:n]" does the same
 * from the first driver call of the process. */
void fakecuda_reset(void);
void fakecuda_fail(const char *entry_point, int nth_call);
int fakecuda_call_count(const char *entry_point);
/* How many calls failed by injection since the reset. */
int fakecuda_injected_failures(void);

/* Device list: count ($FAKECUDA_DEVICE_COUNT, default 1) and compute capability
 * ($FAKECUDA_SM, default 80). */
void fakecuda_set_device_count(int count);
void fakecuda_set_sm_version(int sm_version);

/* Module loads since the reset. $FAKECUDA_TRACE=FILE also appends every driver call to FILE,
 * one line each, module loads with their image ("cuModuleLoadDataEx cubin sm_90 3 entries"),
 * for tests that run a program rather than link the fake. */
int fakecuda_module_load_count(void);
const fakecuda_module_load *fakecuda_module_load_record(int index); /* NULL past the end */

int fakecuda_launch_count(void);
const fakecuda_launch *fakecuda_launch_record(int index); /* NULL past the end */
void fakecuda_copy_stats(fakecuda_copies *out);

/* Leak accounting: device + pinned allocations; modules + streams + primary-context
 * retains; this thread's pushed contexts. All zero when a client cleaned up. */
int fakecuda_live_allocations(void);
int fakecuda_live_objects(void);
int fakecuda_context_depth(void);
/* Allocations and objects the last primary-context release had to free because the client
 * did not (since the reset). */
int fakecuda_reclaimed(void);

#endif
