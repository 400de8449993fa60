/* The access hook of checked twins: bounds, alignment and read-only checks against the
 * buffer the access's pointer argument addresses (memcheck), then shadow cells of each
 * 4-byte word it touches: races between threads with no barrier between them (racecheck)
 * and reads of bytes not written (initcheck). */
#include <stdio.h>
#include <string.h>

#include "runtime/sanitizer_internal.h"

static dlrt_sanitizer *from_launch(const dlrt_host_launch *launch) {
  return (dlrt_sanitizer *)launch->sanitizer; /* hooks are the first member */
}

tracked_region *dlrt_sanitizer_find_region(dlrt_sanitizer *sanitizer, uintptr_t address) {
  int low = 0, high = sanitizer->region_count - 1;
  while (low <= high) {
    int middle = (low + high) / 2;
    tracked_region *region = &sanitizer->regions[middle];
    if (address < region->base)
      high = middle - 1;
    else if (address - region->base >= region->bytes)
      low = middle + 1;
    else
      return region;
  }
  return NULL;
}

static const char *site_source(uint32_t id) {
  dlrt_host_access_site *site = dlrt_sanitizer_site(id);
  return site && site->source ? site->source : "an unknown place";
}

static const char *site_buffer(const dlrt_host_access_site *site) {
  return site->buffer ? site->buffer : "memory";
}

static const char *const KIND_NAMES[] = {"read", "write", "atomic"};

/* memcheck: reported once per site. */
static void memory_error(dlrt_sanitizer *sanitizer, dlrt_host_access_site *site, uint32_t id,
                         int32_t thread, const char *problem, const char *detail) {
  (void)id;
  char key[256]; /* one source line may hold several accesses (a load inside a store) */
  snprintf(key, sizeof key, "%s|%s|%u", problem, site_buffer(site), site->kind);
  if (!dlrt_sanitizer_new_report(sanitizer, DLRT_CHECK_MEMORY, site->source, key))
    return;
  char who[128];
  dlrt_sanitizer_describe_thread(sanitizer, dlrt_sanitizer_thread_key(sanitizer, thread), who,
                                 sizeof who);
  dlrt_sanitizer_print_header(sanitizer, problem);
  fprintf(sanitizer->stream, "  %u-byte %s of %s by %s at %s\n  %s\n", site->size,
          KIND_NAMES[site->kind % 3], site_buffer(site), who,
          site->source ? site->source : "an unknown place", detail);
}

/* Whether [address, address + size) is inside the buffer the site's pointer addresses;
 * otherwise reports it. */
static int check_bounds(dlrt_sanitizer *sanitizer, const dlrt_host_launch *launch,
                        uintptr_t address, dlrt_host_access_site *site, uint32_t id,
                        int32_t thread) {
  const dlrt_sanitizer_launch *run = sanitizer->launch;
  uintptr_t size = site->size;
  char detail[256];
  if (site->param == DLRT_ACCESS_SHARED) {
    uintptr_t base = (uintptr_t)launch->shared_memory + site->shared_offset;
    if (address >= base && address - base + size <= site->shared_bytes)
      return 1;
    snprintf(detail, sizeof detail,
             "byte offset %lld from the array's start, outside its %u bytes",
             (long long)(address - base), site->shared_bytes);
    memory_error(sanitizer, site, id, thread, "out-of-bounds shared memory access", detail);
    return 0;
  }
  for (uint32_t p = 0; p < run->param_count; p++) {
    if (site->param >= 0 && (uint32_t)site->param != p)
      continue;
    const dlrt_sanitizer_buffer *buffer = &run->args[p];
    uintptr_t base = (uintptr_t)buffer->base;
    uint64_t bytes = buffer->bytes;
    if (!bytes && site->param >= 0) { /* extent not recorded: up to the tracked region's end */
      tracked_region *region = dlrt_sanitizer_find_region(sanitizer, base);
      if (!region)
        return 1;
      bytes = region->base + region->bytes - base;
    }
    if (bytes && address >= base && address - base + size <= bytes)
      return 1;
    if (site->param >= 0) {
      snprintf(detail, sizeof detail,
               "byte offset %lld from the argument, outside the %llu bytes it addresses",
               (long long)(address - base), (unsigned long long)bytes);
      memory_error(sanitizer, site, id, thread, "out-of-bounds global memory access", detail);
      return 0;
    }
  }
  snprintf(detail, sizeof detail, "address %p is inside no buffer of the launch's arguments",
           (void *)address);
  memory_error(sanitizer, site, id, thread, "out-of-bounds global memory access", detail);
  return 0;
}

/* One access as the shadow checks see it. */
typedef struct access_context {
  dlrt_host_access_site *site;
  uint32_t id, key; /* site number; thread key (block and thread) */
  int shared;
  uintptr_t address;
  const char *memory;  /* "shared memory" or the tracked region's name */
  uintptr_t origin;    /* where `memory` starts */
} access_context;

/* Whether an earlier access may run at the same time on a GPU: a different block, unless
 * this block acquired what that block released through a fence and an atomic (nothing else
 * orders the blocks of a launch: sanitizer_sync.c), or a different thread of the block with
 * no barrier between (an access at a block-uniform point is every thread's, so it differs
 * from each single thread). */
static int concurrent(const dlrt_sanitizer *sanitizer, const shadow_access *old,
                      const access_context *now) {
  if (!old->thread)
    return 0;
  uint32_t other = old->thread - 1, stride = sanitizer->threads + 1;
  if (!now->shared && other / stride != now->key / stride)
    return !dlrt_sanitizer_ordered(sanitizer, other / stride, old->epoch);
  return old->epoch >= sanitizer->barrier_tick && other != now->key;
}

static void describe_place(const access_context *now, char *out, size_t size) {
  snprintf(out, size, "byte %llu of %s", (unsigned long long)(now->address - now->origin),
           now->memory);
}

static void race(dlrt_sanitizer *sanitizer, const access_context *now, const shadow_access *old,
                 const char *old_kind) {
  if (!dlrt_sanitizer_new_report(sanitizer, DLRT_CHECK_RACE, site_source(old->site),
                                 now->site->source))
    return;
  char first[128], second[128], header[96], place[200];
  dlrt_sanitizer_describe_thread(sanitizer, old->thread - 1, first, sizeof first);
  dlrt_sanitizer_describe_thread(sanitizer, now->key, second, sizeof second);
  describe_place(now, place, sizeof place);
  const char *kind = KIND_NAMES[now->site->kind % 3];
  snprintf(header, sizeof header, "data race (%s after %s)", kind, old_kind);
  dlrt_sanitizer_print_header(sanitizer, header);
  uint32_t stride = sanitizer->threads + 1;
  fprintf(sanitizer->stream,
          "  %s, %s\n"
          "  %s by %s at %s\n"
          "  %s by %s at %s\n"
          "  %s\n",
          site_buffer(now->site), place, old_kind, first, site_source(old->site), kind, second,
          now->site->source ? now->site->source : "an unknown place",
          (old->thread - 1) / stride == now->key / stride
              ? "with no barrier between them"
              : "in different blocks of one launch (nothing orders blocks)");
}

static void uninitialized(dlrt_sanitizer *sanitizer, const access_context *now) {
  if (!dlrt_sanitizer_new_report(sanitizer, DLRT_CHECK_INIT, now->site->source, NULL))
    return;
  char who[128], place[200];
  dlrt_sanitizer_describe_thread(sanitizer, now->key, who, sizeof who);
  describe_place(now, place, sizeof place);
  dlrt_sanitizer_print_header(sanitizer, "read of uninitialized memory");
  fprintf(sanitizer->stream, "  %u-byte %s of %s, %s (%s)\n  by %s at %s\n", now->site->size,
          KIND_NAMES[now->site->kind % 3], site_buffer(now->site), place,
          now->shared ? "not written by this block" : "not written in this run", who,
          now->site->source ? now->site->source : "an unknown place");
}

/* One word: initcheck and the race checks, then the cell remembers this access. */
static void check_cell(dlrt_sanitizer *sanitizer, shadow_cell *cell, uint32_t stamp,
                       uint8_t bytes, const access_context *now) {
  if (cell->stamp != stamp) {
    memset(&cell->write, 0, 3 * sizeof cell->write);
    if (now->shared)
      cell->written = 0; /* a new block's shared memory holds nothing it wrote */
    cell->stamp = stamp;
  }
  int kind = now->site->kind;
  if (kind != DLRT_ACCESS_WRITE && (cell->written & bytes) != bytes)
    uninitialized(sanitizer, now);
  shadow_access access = {now->key + 1, now->id, sanitizer->epoch, bytes,
                          kind == DLRT_ACCESS_ATOMIC};
  if ((cell->write.bytes & bytes) && concurrent(sanitizer, &cell->write, now) &&
      !(kind == DLRT_ACCESS_ATOMIC && cell->write.atomic))
    race(sanitizer, now, &cell->write, cell->write.atomic ? "atomic" : "write");
  if (kind != DLRT_ACCESS_READ) {
    const shadow_access *reads[2] = {&cell->read, &cell->other_read};
    for (int i = 0; i < 2; i++)
      if ((reads[i]->bytes & bytes) && concurrent(sanitizer, reads[i], now)) {
        race(sanitizer, now, reads[i], "read");
        break;
      }
    cell->write = access;
    cell->written |= bytes;
    return;
  }
  if (cell->read.thread != access.thread)
    cell->other_read = cell->read;
  cell->read = access;
}

static void check_words(dlrt_sanitizer *sanitizer, shadow_cell *cells, uintptr_t first_word,
                        uint32_t stamp, const access_context *now) {
  uintptr_t end = now->address + now->site->size;
  for (uintptr_t word = now->address & ~(uintptr_t)3; word < end; word += 4) {
    unsigned bytes = 0xf;
    if (word < now->address)
      bytes &= 0xfu << (now->address - word);
    if (word + 4 > end)
      bytes &= 0xfu >> (word + 4 - end);
    check_cell(sanitizer, &cells[(word - first_word) / 4], stamp, (uint8_t)bytes, now);
  }
}

void dlrt_sanitizer_access(const dlrt_host_launch *launch, const void *pointer,
                           dlrt_host_access_site *site, int32_t thread) {
  dlrt_sanitizer *sanitizer = from_launch(launch);
  uintptr_t address = (uintptr_t)pointer;
  uint32_t id = dlrt_sanitizer_site_id(site);
  if (site->align > 1 && address % site->align) {
    char detail[128];
    snprintf(detail, sizeof detail, "address %p is not %u-byte aligned (a GPU faults)", pointer,
             site->align);
    memory_error(sanitizer, site, id, thread, "misaligned access", detail);
  }
  if (!site->size || !check_bounds(sanitizer, launch, address, site, id, thread))
    return;
  access_context now = {site, id, dlrt_sanitizer_thread_key(sanitizer, thread), 0, address,
                        "shared memory", (uintptr_t)launch->shared_memory};
  if (site->param == DLRT_ACCESS_SHARED) {
    now.shared = 1;
    check_words(sanitizer, sanitizer->shared, now.origin, sanitizer->block_stamp, &now);
    return;
  }
  tracked_region *region = dlrt_sanitizer_find_region(sanitizer, address);
  if (!region || address - region->base + site->size > region->bytes)
    return; /* memory the caller did not ask to watch (bounds are checked above) */
  if (region->read_only) { /* always written, never to be written: no shadow cells */
    if (site->kind != DLRT_ACCESS_READ)
      memory_error(sanitizer, site, id, thread, "write to read-only memory",
                   "the weights are constant while a model runs");
    return;
  }
  now.memory = region->name;
  now.origin = region->base;
  if (site->kind == DLRT_ACCESS_ATOMIC)
    dlrt_sanitizer_sync_atomic(sanitizer, address);
  check_words(sanitizer, region->cells, region->base & ~(uintptr_t)3,
              (uint32_t)sanitizer->launch_number, &now);
}
