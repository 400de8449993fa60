/* The process-wide host-twin registry: PTX entry name -> host twin and its buffer sizes,
 * so a driver without a GPU (the test fake libcuda) can run PTX kernels on the CPU. */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/error.h"

/* A linear table: a program has a few dozen kernels and lookups happen at load time. */
typedef struct registry_entry {
  char *name;
  dlrt_kernel kernel;
} registry_entry;

static pthread_mutex_t registry_mutex = PTHREAD_MUTEX_INITIALIZER;
static registry_entry *registry_entries; /* lives for the whole process, like a symbol table */
static size_t registry_count;
static size_t registry_capacity;

static registry_entry *find_locked(const char *name) {
  for (size_t i = 0; i < registry_count; i++)
    if (strcmp(registry_entries[i].name, name) == 0)
      return &registry_entries[i];
  return NULL;
}

dlrt_status dlrt_host_kernel_register_kernel(const dlrt_kernel *kernel) {
  if (!kernel || !kernel->name || !kernel->host_fn)
    return dlrt_error(DLRT_STATUS_INVALID_ARGUMENT,
                      "dlrt_host_kernel_register: a kernel needs a name and a host function");
  int status = DLRT_STATUS_OK;
  pthread_mutex_lock(&registry_mutex);
  registry_entry *entry = find_locked(kernel->name);
  if (!entry) {
    if (registry_count == registry_capacity) {
      size_t capacity = registry_capacity ? registry_capacity * 2 : 64;
      registry_entry *grown = realloc(registry_entries, capacity * sizeof *grown);
      if (!grown) {
        status = dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host kernel registry: out of memory");
        goto done;
      }
      registry_entries = grown;
      registry_capacity = capacity;
    }
    char *name = strdup(kernel->name);
    if (!name) {
      status = dlrt_error(DLRT_STATUS_OUT_OF_MEMORY, "host kernel registry: out of memory");
      goto done;
    }
    entry = &registry_entries[registry_count++];
    entry->name = name;
  }
  entry->kernel = *kernel;
  entry->kernel.name = entry->name;
done:
  pthread_mutex_unlock(&registry_mutex);
  return status;
}

dlrt_status dlrt_host_kernel_register(const char *name, dlrt_host_block_fn fn) {
  dlrt_kernel kernel = {.name = name, .host_fn = fn};
  return dlrt_host_kernel_register_kernel(&kernel);
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
