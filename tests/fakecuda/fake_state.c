/* The fake driver's bookkeeping: per-entry-point call counts, injected failures (each with
 * the error a real driver gives for that call), launch records and copy statistics. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fake_internal.h"

#define MAX_ENTRY_POINTS 64
#define MAX_FAILURES 16
#define MAX_LAUNCHES 4096
#define MAX_MODULE_LOADS 64

pthread_mutex_t fake_lock = PTHREAD_MUTEX_INITIALIZER;

typedef struct call_counter {
  char name[64];
  int calls;
} call_counter;

typedef struct planned_failure {
  char name[64];
  int nth_call;
} planned_failure;

static call_counter counters[MAX_ENTRY_POINTS];
static int counter_count;
static planned_failure failures[MAX_FAILURES];
static int failure_count;
static int injected_failures;
static int environment_read;
static int initialized;
static fakecuda_launch launches[MAX_LAUNCHES];
static int launch_total;
static fakecuda_copies copies;
static fakecuda_module_load module_loads[MAX_MODULE_LOADS];
static int module_load_total;
static int live_retains;
static int reclaimed;

typedef struct live_object {
  void *handle;
  void (*destroy)(void *);
  struct live_object *next;
} live_object;
static live_object *live_objects_list;
static int live_object_count;

/* The error a real driver returns when this call fails for a typical reason. */
static CUresult realistic_error(const char *name) {
  if (strstr(name, "Alloc"))
    return CUDA_ERROR_OUT_OF_MEMORY;
  if (strcmp(name, "cuInit") == 0 || strcmp(name, "cuDeviceGetCount") == 0)
    return CUDA_ERROR_NO_DEVICE;
  if (strcmp(name, "cuModuleLoadDataEx") == 0)
    return CUDA_ERROR_INVALID_PTX;
  if (strcmp(name, "cuModuleGetFunction") == 0)
    return CUDA_ERROR_NOT_FOUND;
  if (strcmp(name, "cuLaunchKernel") == 0)
    return CUDA_ERROR_LAUNCH_OUT_OF_RESOURCES;
  if (strcmp(name, "cuStreamSynchronize") == 0 || strstr(name, "cuMemcpy"))
    return CUDA_ERROR_ILLEGAL_ADDRESS;
  if (strstr(name, "Ctx"))
    return CUDA_ERROR_INVALID_CONTEXT;
  return CUDA_ERROR_INVALID_VALUE;
}

static void add_failure_locked(const char *name, int nth_call) {
  if (failure_count == MAX_FAILURES || nth_call < 1)
    return;
  snprintf(failures[failure_count].name, sizeof failures[0].name, "%s", name);
  failures[failure_count++].nth_call = nth_call;
}

/* FAKECUDA_FAIL="cuMemAlloc_v2:2,cuLaunchKernel:1" */
static void read_environment_locked(void) {
  environment_read = 1;
  const char *text = getenv("FAKECUDA_FAIL");
  while (text && *text) {
    const char *colon = strchr(text, ':');
    if (!colon)
      return;
    char name[64];
    size_t length = (size_t)(colon - text) < sizeof name ? (size_t)(colon - text) : sizeof name - 1;
    memcpy(name, text, length);
    name[length] = '\0';
    add_failure_locked(name, atoi(colon + 1));
    text = strchr(colon, ',');
    text = text ? text + 1 : NULL;
  }
}

static call_counter *counter_locked(const char *name) {
  for (int i = 0; i < counter_count; i++)
    if (strcmp(counters[i].name, name) == 0)
      return &counters[i];
  if (counter_count == MAX_ENTRY_POINTS)
    return NULL;
  call_counter *counter = &counters[counter_count++];
  snprintf(counter->name, sizeof counter->name, "%s", name);
  counter->calls = 0;
  return counter;
}

void fake_trace(const char *format, ...) {
  const char *path = getenv("FAKECUDA_TRACE");
  FILE *file = path && *path ? fopen(path, "a") : NULL;
  if (!file)
    return;
  va_list arguments;
  va_start(arguments, format);
  vfprintf(file, format, arguments);
  va_end(arguments);
  fputc('\n', file);
  fclose(file);
}

CUresult fake_enter(const char *entry_point) {
  fake_trace("%s", entry_point);
  CUresult result = CUDA_SUCCESS;
  pthread_mutex_lock(&fake_lock);
  if (!environment_read)
    read_environment_locked();
  call_counter *counter = counter_locked(entry_point);
  int calls = counter ? ++counter->calls : 0;
  for (int i = 0; i < failure_count; i++)
    if (strcmp(failures[i].name, entry_point) == 0 && failures[i].nth_call == calls) {
      result = realistic_error(entry_point);
      injected_failures++;
    }
  pthread_mutex_unlock(&fake_lock);
  return result;
}

int fake_initialized(void) { return initialized; }
void fake_set_initialized(void) { initialized = 1; }

void fake_record_launch(const fakecuda_launch *launch) {
  pthread_mutex_lock(&fake_lock);
  if (launch_total < MAX_LAUNCHES)
    launches[launch_total] = *launch;
  launch_total++;
  pthread_mutex_unlock(&fake_lock);
}

void fake_record_module_load(const fakecuda_module_load *load) {
  fake_trace("  image: %s sm_%d, %d entries", load->cubin ? "cubin" : "PTX", load->sm_version,
             load->entry_count);
  pthread_mutex_lock(&fake_lock);
  if (module_load_total < MAX_MODULE_LOADS)
    module_loads[module_load_total] = *load;
  module_load_total++;
  pthread_mutex_unlock(&fake_lock);
}

void fake_count_copy(int direction, uint64_t bytes, int pageable) {
  pthread_mutex_lock(&fake_lock);
  if (direction == 0) {
    copies.h2d_count++;
    copies.h2d_bytes += bytes;
  } else if (direction == 1) {
    copies.d2h_count++;
    copies.d2h_bytes += bytes;
  } else {
    copies.d2d_count++;
    copies.d2d_bytes += bytes;
  }
  copies.pageable_count += pageable;
  pthread_mutex_unlock(&fake_lock);
}

void fake_count_retains(int delta) {
  pthread_mutex_lock(&fake_lock);
  live_retains += delta;
  pthread_mutex_unlock(&fake_lock);
}

void fake_object_add(void *handle, void (*destroy)(void *)) {
  live_object *entry = malloc(sizeof *entry);
  if (!entry)
    return; /* only bookkeeping is lost */
  pthread_mutex_lock(&fake_lock);
  *entry = (live_object){handle, destroy, live_objects_list};
  live_objects_list = entry;
  live_object_count++;
  pthread_mutex_unlock(&fake_lock);
}

int fake_object_remove(void *handle) {
  pthread_mutex_lock(&fake_lock);
  for (live_object **link = &live_objects_list; *link; link = &(*link)->next)
    if ((*link)->handle == handle) {
      live_object *found = *link;
      *link = found->next;
      free(found);
      live_object_count--;
      pthread_mutex_unlock(&fake_lock);
      return 1;
    }
  pthread_mutex_unlock(&fake_lock);
  return 0;
}

CUresult fake_object_destroy(const char *entry_point, void *handle, void (*destroy)(void *),
                             CUresult unknown) {
  CUresult result = fake_enter(entry_point);
  if (!handle || !fake_object_remove(handle))
    return unknown;
  destroy(handle);
  return result;
}

int fake_object_is_live(const void *handle) {
  pthread_mutex_lock(&fake_lock);
  int found = 0;
  for (live_object *entry = live_objects_list; entry && !found; entry = entry->next)
    found = entry->handle == handle;
  pthread_mutex_unlock(&fake_lock);
  return found;
}

int fake_reclaim_context_resources(void) {
  pthread_mutex_lock(&fake_lock);
  live_object *list = live_objects_list;
  live_objects_list = NULL;
  int count = live_object_count;
  live_object_count = 0;
  pthread_mutex_unlock(&fake_lock);
  while (list) {
    live_object *next = list->next;
    list->destroy(list->handle);
    free(list);
    list = next;
  }
  count += fake_memory_reclaim();
  pthread_mutex_lock(&fake_lock);
  reclaimed += count;
  pthread_mutex_unlock(&fake_lock);
  return count;
}

FAKE_EXPORT void fakecuda_reset(void) {
  pthread_mutex_lock(&fake_lock);
  environment_read = 1; /* an explicit reset replaces the environment's plan */
  counter_count = 0;
  failure_count = 0;
  injected_failures = 0;
  launch_total = 0;
  module_load_total = 0;
  reclaimed = 0;
  memset(&copies, 0, sizeof copies);
  pthread_mutex_unlock(&fake_lock);
}

FAKE_EXPORT void fakecuda_fail(const char *entry_point, int nth_call) {
  pthread_mutex_lock(&fake_lock);
  if (!environment_read)
    read_environment_locked();
  add_failure_locked(entry_point, nth_call);
  pthread_mutex_unlock(&fake_lock);
}

FAKE_EXPORT int fakecuda_call_count(const char *entry_point) {
  pthread_mutex_lock(&fake_lock);
  int calls = 0;
  for (int i = 0; i < counter_count; i++)
    if (strcmp(counters[i].name, entry_point) == 0)
      calls = counters[i].calls;
  pthread_mutex_unlock(&fake_lock);
  return calls;
}

FAKE_EXPORT int fakecuda_injected_failures(void) { return injected_failures; }

FAKE_EXPORT int fakecuda_launch_count(void) { return launch_total; }

FAKE_EXPORT const fakecuda_launch *fakecuda_launch_record(int index) {
  return index >= 0 && index < launch_total && index < MAX_LAUNCHES ? &launches[index] : NULL;
}

FAKE_EXPORT int fakecuda_module_load_count(void) { return module_load_total; }

FAKE_EXPORT const fakecuda_module_load *fakecuda_module_load_record(int index) {
  return index >= 0 && index < module_load_total && index < MAX_MODULE_LOADS ? &module_loads[index]
                                                                             : NULL;
}

FAKE_EXPORT void fakecuda_copy_stats(fakecuda_copies *out) {
  pthread_mutex_lock(&fake_lock);
  *out = copies;
  pthread_mutex_unlock(&fake_lock);
}

FAKE_EXPORT int fakecuda_live_objects(void) { return live_object_count + live_retains; }

FAKE_EXPORT int fakecuda_reclaimed(void) { return reclaimed; }
