/* The process-wide host-twin registry: PTX entry name -> host twin and its buffer sizes,
 * so a driver without a GPU (the test fake libcuda) can run PTX kernels on the CPU.
 * Entries made by dlrt_model_create are counted and dropped when the last model using them
 * is destroyed (host twins may be JIT code freed with the model); the application's own
 * registrations stay for the whole process. */
#include "runtime/registry.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

/* A linear table: a program has a few dozen kernels and lookups happen at load time. */
typedef struct registry_entry {
  char *name;
  dlrt_kernel kernel;
  int model_references; /* live models that registered this name */
  int permanent;        /* registered by the application */
} registry_entry;

static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static registry_entry *registry_entries;
static size_t registry_count;
static size_t registry_capacity;

static registry_entry *find_locked(const char *name) {
  for (size_t i = 0; i < registry_count; i++)
    if (strcmp(registry_entries[i].name, name) == 0)
      return &registry_entries[i];
  return NULL;
}

static int add_locked(const dlrt_kernel *kernel, int permanent) {
  registry_entry *entry = find_locked(kernel->name);
  if (!entry) {
    if (registry_count == registry_capacity) {
      size_t capacity = registry_capacity ? registry_capacity * 2 : 64;
      registry_entry *grown = realloc(registry_entries, capacity * sizeof *grown);
      if (!grown)
        return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host kernel registry: out of memory");
      registry_entries = grown;
      registry_capacity = capacity;
    }
    char *name = strdup(kernel->name);
    if (!name)
      return dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host kernel registry: out of memory");
    entry = &registry_entries[registry_count++];
    memset(entry, 0, sizeof *entry);
    entry->name = name;
  }
  entry->kernel = *kernel;
  entry->kernel.name = entry->name;
  if (permanent)
    entry->permanent = 1;
  else
    entry->model_references++;
  return DLRT_STATUS_OK;
}

static dlrt_status add(const dlrt_kernel *kernel, int permanent) {
  if (!kernel || !kernel->name || !kernel->host_fn)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_host_kernel_register: a kernel needs a name and a host function");
  pthread_mutex_lock(&registry_mutex);
  int status = add_locked(kernel, permanent);
  pthread_mutex_unlock(&registry_mutex);
  return status;
}

dlrt_status dlrt_host_kernel_register_kernel(const dlrt_kernel *kernel) { return add(kernel, 1); }

dlrt_status dlrt_host_kernel_register(const char *name, dlrt_host_block_fn fn) {
  dlrt_kernel kernel = {.name = name, .host_fn = fn};
  return add(&kernel, 1);
}

int dlrt_registry_acquire(const dlrt_kernel *kernel) { return add(kernel, 0); }

void dlrt_registry_release(const dlrt_kernel *kernel) {
  pthread_mutex_lock(&registry_mutex);
  registry_entry *entry = find_locked(kernel->name);
  if (entry && entry->model_references > 0 && --entry->model_references == 0 && !entry->permanent) {
    free(entry->name);
    *entry = registry_entries[--registry_count]; /* order does not matter */
  }
  if (registry_count == 0) {
    free(registry_entries);
    registry_entries = NULL;
    registry_capacity = 0;
  }
  pthread_mutex_unlock(&registry_mutex);
}

int dlrt_host_kernel_lookup_kernel(const char *name, dlrt_kernel *out_kernel) {
  if (!name)
    return -1;
  pthread_mutex_lock(&registry_mutex);
  registry_entry *entry = find_locked(name);
  if (entry && out_kernel)
    *out_kernel = entry->kernel;
  pthread_mutex_unlock(&registry_mutex);
  return entry ? 0 : -1;
}

dlrt_host_block_fn dlrt_host_kernel_lookup(const char *name) {
  dlrt_kernel kernel;
  return dlrt_host_kernel_lookup_kernel(name, &kernel) == 0 ? kernel.host_fn : NULL;
}
