/* State shared by the fake driver's files: one lock, call counting and fault injection. */
#ifndef FAKECUDA_INTERNAL_H
#define FAKECUDA_INTERNAL_H

#include <cuda.h>
#include <pthread.h>

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
int fake_object_is_live(const void *handle);
/* Context retains count as live objects too. */
void fake_count_retains(int delta);
/* Frees everything still live when the primary context goes away; returns how many. */
int fake_reclaim_context_resources(void);
int fake_memory_reclaim(void);

/* Whether this thread has a current context (fake_device.c). */
int fake_has_context(void);

/* Memory tracking (fake_memory.c): whether [address, address+size) lies in one live
 * allocation of the kind asked (device or pinned). */
int fake_memory_contains(uint64_t address, uint64_t size, int pinned);

#endif
