/* The host sanitizer: runs checked host twins (dlcc's checked lowering) block by block with
 * shadow state for shared and global memory, and reports races, missing barriers,
 * out-of-bounds and misaligned accesses and reads of unwritten memory (docs/sanitizer.md). */
#ifndef DLRT_SANITIZER_H
#define DLRT_SANITIZER_H

#include <stdint.h>
#include <stdio.h>

#include "dlrt/host_kernel.h"

#ifdef __cplusplus
extern "C" {
#endif

#ifndef DLRT_API
#define DLRT_API __attribute__((visibility("default")))
#endif

typedef struct dlrt_sanitizer dlrt_sanitizer;

typedef enum dlrt_sanitizer_check {
  DLRT_CHECK_RACE = 0, /* racecheck: two threads, one location, no barrier between */
  DLRT_CHECK_SYNC,     /* synccheck: shuffles in partial warps */
  DLRT_CHECK_MEMORY,   /* memcheck: out of the argument's buffer, misaligned, read-only */
  DLRT_CHECK_INIT,     /* initcheck: reads of memory not written */
  DLRT_CHECK_COUNT
} dlrt_sanitizer_check;

typedef struct dlrt_sanitizer_options {
  FILE *stream;         /* where reports go; NULL: stderr */
  unsigned max_printed; /* distinct reports printed in full; 0: 20 */
  uint32_t seed;        /* of the shuffled thread orders */
} dlrt_sanitizer_options;

/* What a pointer argument addresses: `bytes` from the argument on (0: a scalar argument). */
typedef struct dlrt_sanitizer_buffer {
  const void *base;
  uint64_t bytes;
} dlrt_sanitizer_buffer;

typedef struct dlrt_sanitizer_launch {
  const char *kernel;     /* for reports */
  dlrt_host_block_fn fn;  /* a checked twin (a plain twin runs, but reports nothing) */
  void *const *params;    /* cuLaunchKernel layout */
  uint32_t param_count;
  const dlrt_sanitizer_buffer *args; /* param_count entries */
  uint32_t grid[3], block[3];
  uint32_t shared_bytes, scratch_bytes;
} dlrt_sanitizer_launch;

/* options NULL: defaults. NULL when out of memory. */
DLRT_API dlrt_sanitizer *dlrt_sanitizer_create(const dlrt_sanitizer_options *options);
DLRT_API void dlrt_sanitizer_destroy(dlrt_sanitizer *sanitizer);

/* Global memory the sanitizer keeps shadow state for (arena, weights, inputs, outputs):
 * `written` says whether its bytes count as written (initcheck), `read_only` reports any
 * kernel write. A region replaces a tracked region of the same base. 0 ok, -1 no memory. */
DLRT_API int dlrt_sanitizer_track(dlrt_sanitizer *sanitizer, const void *base, uint64_t bytes,
                                  const char *name, int written, int read_only);
DLRT_API void dlrt_sanitizer_untrack(dlrt_sanitizer *sanitizer, const void *base);
/* Initcheck state of tracked bytes: set when the host copies data in, cleared when a run
 * starts over. */
DLRT_API void dlrt_sanitizer_set_written(dlrt_sanitizer *sanitizer, const void *base,
                                         uint64_t bytes, int written);

/* Runs every block of the launch, one after the other on this thread, each with fresh
 * shared memory and scratch and a varied thread order; returns the number of new distinct
 * reports, or -1 when out of memory. */
DLRT_API int dlrt_sanitizer_run(dlrt_sanitizer *sanitizer, const dlrt_sanitizer_launch *launch);

/* Distinct reports so far (deduplicated by check and pair of access sites), per check. */
DLRT_API uint64_t dlrt_sanitizer_report_count(const dlrt_sanitizer *sanitizer,
                                              dlrt_sanitizer_check check);
DLRT_API uint64_t dlrt_sanitizer_report_total(const dlrt_sanitizer *sanitizer);

#ifdef __cplusplus
}
#endif

#endif
