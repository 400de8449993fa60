/* State of the host sanitizer shared by its source files (not a public header): tracked
 * regions with word-granular shadow cells, the launch and block being run, and reports. */
#ifndef DLRT_RUNTIME_SANITIZER_INTERNAL_H
#define DLRT_RUNTIME_SANITIZER_INTERNAL_H

#include "dlrt/sanitizer.h"

/* The last access of one kind to a 4-byte word: which thread (thread_key + 1, 0: none),
 * where it was built, after how many barriers and fences of its block (its tick), and which
 * bytes it touched. */
typedef struct shadow_access {
  uint32_t thread;
  uint32_t site;
  uint16_t epoch;
  uint8_t bytes;  /* mask of the word's bytes */
  uint8_t atomic; /* writes: an atomic read-modify-write */
} shadow_access;

/* One word of shadow: the last write, the last read and the last read by another thread,
 * all valid only while `stamp` is the current launch (global) or block (shared);
 * `written` (initcheck) is a byte mask that outlives launches. */
typedef struct shadow_cell {
  shadow_access write, read, other_read;
  uint32_t stamp;
  uint8_t written;
  uint8_t pad[3];
} shadow_cell;

/* A block's accesses before its fence, released to a word by its atomic access to it. */
typedef struct sync_release {
  uintptr_t word;
  uint32_t block;
  uint16_t tick; /* accesses of `block` with a lower tick */
} sync_release;

typedef struct tracked_region {
  uintptr_t base;
  uint64_t bytes;
  char *name;
  int read_only;
  shadow_cell *cells; /* one per word, from base rounded down to 4 */
} tracked_region;

/* A distinct report: its check and hashes of the pair of sources (or of a source and the
 * problem): the same source line may be several accesses (unrolled loops). */
typedef struct report_key {
  uint32_t check;
  uint64_t first, second;
} report_key;

struct dlrt_sanitizer {
  dlrt_host_sanitizer hooks; /* first: the twins get &hooks and we get back the sanitizer */
  FILE *stream;
  unsigned max_printed;
  uint32_t seed;
  tracked_region *regions; /* sorted by base */
  int region_count, region_capacity;
  /* the launch being run */
  const dlrt_sanitizer_launch *launch;
  uint64_t launch_number;
  uint32_t threads;    /* per block */
  uint32_t block_key;  /* linear block index */
  uint32_t block_stamp;
  uint16_t epoch;        /* tick: barriers and fences passed in this block */
  uint16_t barrier_tick; /* the tick after this block's last barrier (0: none yet) */
  uint16_t fence_tick;   /* the tick after its last fence (0: none yet) */
  /* sanitizer_sync.c: releases to words by this launch's blocks, and per block of the launch
   * (blocks of them each): the ticks this block has acquired, then those its atomics saw
   * but no fence has acquired yet (pending), then those fenced but awaiting a barrier. */
  uint32_t blocks;
  sync_release *releases;
  uint32_t release_count, release_capacity;
  uint16_t *acquired;    /* NULL until a block of the launch releases */
  uint16_t pending_tick; /* nonzero: pending holds ticks; a barrier tick at or above it came
                            after the atomic */
  int sync_touched;      /* this block's acquired/pending/fenced are not all zero */
  shadow_cell *shared; /* one per word of shared memory */
  uint32_t shared_cells;
  uint32_t *order;     /* thread order of the block */
  /* reports */
  report_key *reports;
  uint64_t report_count, report_capacity;
  uint64_t per_check[DLRT_CHECK_COUNT];
  int out_of_memory;
};

/* sanitizer_sync.c: happens-before between blocks through fence + atomic + fence. */
void dlrt_sanitizer_sync_begin_block(dlrt_sanitizer *sanitizer);
void dlrt_sanitizer_sync_end_launch(dlrt_sanitizer *sanitizer);
void dlrt_sanitizer_sync_event(dlrt_sanitizer *sanitizer, uint32_t kind); /* barrier, fence */
void dlrt_sanitizer_sync_atomic(dlrt_sanitizer *sanitizer, uintptr_t address);
/* Whether accesses of `block` at `tick` happen before this block's accesses from now on. */
int dlrt_sanitizer_ordered(const dlrt_sanitizer *sanitizer, uint32_t block, uint16_t tick);

/* sanitizer_sites.c: a process-wide number for every access site (site->id). */
uint32_t dlrt_sanitizer_site_id(dlrt_host_access_site *site);
dlrt_host_access_site *dlrt_sanitizer_site(uint32_t id);

/* sanitizer_shadow.c: the access hook. */
void dlrt_sanitizer_access(const dlrt_host_launch *launch, const void *address,
                           dlrt_host_access_site *site, int32_t thread);
tracked_region *dlrt_sanitizer_find_region(dlrt_sanitizer *sanitizer, uintptr_t address);

/* The thread key of a linear thread of the current block (DLRT_ACCESS_ALL_THREADS: a key
 * of its own, unless the block has one thread). */
static inline uint32_t dlrt_sanitizer_thread_key(const dlrt_sanitizer *sanitizer, int32_t thread) {
  uint32_t within = thread >= 0 ? (uint32_t)thread : sanitizer->threads > 1 ? sanitizer->threads : 0;
  return sanitizer->block_key * (sanitizer->threads + 1) + within;
}

/* sanitizer_report.c: counts a report unless (check, first, second) was seen; 1 when the
 * caller should print it (new, and under max_printed). NULL texts are allowed. */
int dlrt_sanitizer_new_report(dlrt_sanitizer *sanitizer, dlrt_sanitizer_check check,
                              const char *first, const char *second);
/* Writes "block (x,y,z) thread (x,y,z)" of a thread key (or "every thread of block ..."). */
void dlrt_sanitizer_describe_thread(const dlrt_sanitizer *sanitizer, uint32_t key, char *out,
                                    size_t size);
/* "kernel 'K' (blocks GxGxG of TxTxT threads)" header line start. */
void dlrt_sanitizer_print_header(dlrt_sanitizer *sanitizer, const char *what);

#endif
