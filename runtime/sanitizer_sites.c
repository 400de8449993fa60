/* Process-wide numbers of checked twins' access sites: shadow cells keep a 32-bit number
 * instead of a pointer, and a report turns it back into the site's source and buffer. */
#include <pthread.h>
#include <stdlib.h>

#include "runtime/sanitizer_internal.h"

static pthread_mutex_t sites_lock = PTHREAD_MUTEX_INITIALIZER;
static dlrt_host_access_site **sites; /* sites[id - 1] */
static uint32_t site_count, site_capacity;

uint32_t dlrt_sanitizer_site_id(dlrt_host_access_site *site) {
  uint32_t id = __atomic_load_n(&site->id, __ATOMIC_ACQUIRE);
  if (id)
    return id;
  pthread_mutex_lock(&sites_lock);
  id = site->id;
  if (!id && site_count == site_capacity) {
    uint32_t capacity = site_capacity ? site_capacity * 2 : 1024;
    dlrt_host_access_site **grown = realloc(sites, capacity * sizeof *grown);
    if (grown) {
      sites = grown;
      site_capacity = capacity;
    }
  }
  if (!id && site_count < site_capacity) {
    sites[site_count++] = site;
    id = site_count;
    __atomic_store_n(&site->id, id, __ATOMIC_RELEASE);
  }
  pthread_mutex_unlock(&sites_lock);
  return id; /* 0 only when out of memory: the access then has no known site */
}

dlrt_host_access_site *dlrt_sanitizer_site(uint32_t id) {
  pthread_mutex_lock(&sites_lock);
  dlrt_host_access_site *site = id && id <= site_count ? sites[id - 1] : NULL;
  pthread_mutex_unlock(&sites_lock);
  return site;
}
