/* Fake driver memory: device and pinned allocations are host memory, tracked so copies
 * outside a live allocation fail like an illegal address and leaks can be counted. */
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

typedef struct allocation {
  uint64_t base;
  uint64_t size;
  int pinned;
  struct allocation *next;
} allocation;

static allocation *allocations;
static int live_allocations;

FAKE_EXPORT int fakecuda_live_allocations(void) { return live_allocations; }

static CUresult track(void *memory, uint64_t size, int pinned) {
  allocation *entry = malloc(sizeof *entry);
  if (!entry)
    return CUDA_ERROR_OUT_OF_MEMORY;
  *entry = (allocation){(uint64_t)(uintptr_t)memory, size, pinned, NULL};
  pthread_mutex_lock(&fake_lock);
  entry->next = allocations;
  allocations = entry;
  live_allocations++;
  pthread_mutex_unlock(&fake_lock);
  return CUDA_SUCCESS;
}

/* Removes the allocation starting at `base` of the given kind; 0 when there was none. */
static int untrack(uint64_t base, int pinned) {
  pthread_mutex_lock(&fake_lock);
  for (allocation **link = &allocations; *link; link = &(*link)->next) {
    if ((*link)->base == base && (*link)->pinned == pinned) {
      allocation *found = *link;
      *link = found->next;
      free(found);
      live_allocations--;
      pthread_mutex_unlock(&fake_lock);
      return 1;
    }
  }
  pthread_mutex_unlock(&fake_lock);
  return 0;
}

int fake_memory_reclaim(void) {
  pthread_mutex_lock(&fake_lock);
  allocation *list = allocations;
  allocations = NULL;
  int count = live_allocations;
  live_allocations = 0;
  pthread_mutex_unlock(&fake_lock);
  while (list) {
    allocation *next = list->next;
    free((void *)(uintptr_t)list->base);
    free(list);
    list = next;
  }
  return count;
}

int fake_memory_contains(uint64_t address, uint64_t size, int pinned) {
  pthread_mutex_lock(&fake_lock);
  int found = 0;
  for (allocation *entry = allocations; entry && !found; entry = entry->next)
    found = entry->pinned == pinned && address >= entry->base &&
            address - entry->base <= entry->size && size <= entry->size - (address - entry->base);
  pthread_mutex_unlock(&fake_lock);
  return found;
}

static void *allocate(uint64_t size) {
  uint64_t rounded = (size + 255) & ~(uint64_t)255;
  return aligned_alloc(256, rounded ? rounded : 256);
}

FAKE_EXPORT CUresult cuMemAlloc_v2(CUdeviceptr *out_ptr, size_t size) {
  CUresult result = fake_enter("cuMemAlloc_v2");
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  if (size == 0)
    return CUDA_ERROR_INVALID_VALUE;
  void *memory = allocate(size);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  /* Not zeroed, like real device memory: fill with a pattern so reads of unwritten
   * memory show up as garbage in tests. */
  memset(memory, 0xA5, size);
  if (track(memory, size, 0) != CUDA_SUCCESS) {
    free(memory);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  *out_ptr = (CUdeviceptr)(uintptr_t)memory;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemFree_v2(CUdeviceptr ptr) {
  CUresult result = fake_enter("cuMemFree_v2");
  if (!untrack(ptr, 0))
    return CUDA_ERROR_INVALID_VALUE;
  free((void *)(uintptr_t)ptr);
  return result;
}

FAKE_EXPORT CUresult cuMemHostAlloc(void **out_ptr, size_t size, unsigned int flags) {
  CUresult result = fake_enter("cuMemHostAlloc");
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_has_context())
    return CUDA_ERROR_INVALID_CONTEXT;
  void *memory = allocate(size);
  if (!memory)
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (track(memory, size, 1) != CUDA_SUCCESS) {
    free(memory);
    return CUDA_ERROR_OUT_OF_MEMORY;
  }
  *out_ptr = memory;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemFreeHost(void *ptr) {
  CUresult result = fake_enter("cuMemFreeHost");
  if (!untrack((uint64_t)(uintptr_t)ptr, 1))
    return CUDA_ERROR_INVALID_VALUE;
  free(ptr);
  return result;
}

static CUresult copy_checks(const char *name, CUstream stream) {
  CUresult result = fake_enter_in_context(name);
  if (result != CUDA_SUCCESS)
    return result;
  if (fake_stream_capture(stream)) /* the fake captures kernel launches only */
    return CUDA_ERROR_STREAM_CAPTURE_UNSUPPORTED;
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemcpyHtoDAsync_v2(CUdeviceptr dst, const void *src, size_t size,
                                          CUstream stream) {
  CUresult result = copy_checks("cuMemcpyHtoDAsync_v2", stream);
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_memory_contains(dst, size, 0))
    return CUDA_ERROR_INVALID_VALUE;
  memcpy((void *)(uintptr_t)dst, src, size);
  fake_count_copy(0, size, !fake_memory_contains((uint64_t)(uintptr_t)src, size, 1));
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemcpyDtoHAsync_v2(void *dst, CUdeviceptr src, size_t size,
                                          CUstream stream) {
  CUresult result = copy_checks("cuMemcpyDtoHAsync_v2", stream);
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_memory_contains(src, size, 0))
    return CUDA_ERROR_INVALID_VALUE;
  memcpy(dst, (const void *)(uintptr_t)src, size);
  fake_count_copy(1, size, !fake_memory_contains((uint64_t)(uintptr_t)dst, size, 1));
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemcpyDtoDAsync_v2(CUdeviceptr dst, CUdeviceptr src, size_t size,
                                          CUstream stream) {
  CUresult result = copy_checks("cuMemcpyDtoDAsync_v2", stream);
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_memory_contains(dst, size, 0) || !fake_memory_contains(src, size, 0))
    return CUDA_ERROR_INVALID_VALUE;
  memmove((void *)(uintptr_t)dst, (const void *)(uintptr_t)src, size);
  fake_count_copy(2, size, 0);
  return CUDA_SUCCESS;
}

FAKE_EXPORT CUresult cuMemsetD8Async(CUdeviceptr dst, unsigned char value, size_t size,
                                     CUstream stream) {
  CUresult result = copy_checks("cuMemsetD8Async", stream);
  if (result != CUDA_SUCCESS)
    return result;
  if (!fake_memory_contains(dst, size, 0))
    return CUDA_ERROR_INVALID_VALUE;
  memset((void *)(uintptr_t)dst, value, size);
  return CUDA_SUCCESS;
}
