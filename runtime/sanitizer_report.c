/* Sanitizer reports: each distinct (check, site pair) is counted once and printed in full
 * up to max_printed; threads and blocks are named by their CUDA coordinates. */
#include <stdlib.h>

#include "runtime/sanitizer_internal.h"

static uint64_t text_hash(const char *text) {
  uint64_t hash = 1469598103934665603ull; /* FNV-1a */
  for (; text && *text; text++)
    hash = (hash ^ (unsigned char)*text) * 1099511628211ull;
  return hash;
}

int dlrt_sanitizer_new_report(dlrt_sanitizer *sanitizer, dlrt_sanitizer_check check,
                              const char *first_text, const char *second_text) {
  uint64_t first = text_hash(first_text), second = text_hash(second_text);
  for (uint64_t i = 0; i < sanitizer->report_count; i++) {
    const report_key *key = &sanitizer->reports[i];
    if (key->check == (uint32_t)check && key->first == first && key->second == second)
      return 0;
  }
  if (sanitizer->report_count == sanitizer->report_capacity) {
    uint64_t capacity = sanitizer->report_capacity ? sanitizer->report_capacity * 2 : 64;
    report_key *grown = realloc(sanitizer->reports, capacity * sizeof *grown);
    if (!grown) {
      sanitizer->out_of_memory = 1;
      return 0;
    }
    sanitizer->reports = grown;
    sanitizer->report_capacity = capacity;
  }
  sanitizer->reports[sanitizer->report_count++] = (report_key){(uint32_t)check, first, second};
  sanitizer->per_check[check]++;
  return sanitizer->report_count <= sanitizer->max_printed;
}

static void coordinates(uint32_t linear, const uint32_t dims[3], char *out, size_t size) {
  uint32_t x = linear % dims[0], y = linear / dims[0] % dims[1], z = linear / dims[0] / dims[1];
  snprintf(out, size, "(%u,%u,%u)", x, y, z);
}

void dlrt_sanitizer_describe_thread(const dlrt_sanitizer *sanitizer, uint32_t key, char *out,
                                    size_t size) {
  const dlrt_sanitizer_launch *launch = sanitizer->launch;
  uint32_t stride = sanitizer->threads + 1;
  char block[48], thread[48];
  coordinates(key / stride, launch->grid, block, sizeof block);
  if (key % stride == sanitizer->threads) {
    snprintf(out, size, "every thread of block %s (a block-uniform point)", block);
    return;
  }
  coordinates(key % stride, launch->block, thread, sizeof thread);
  snprintf(out, size, "thread %s of block %s", thread, block);
}

void dlrt_sanitizer_print_header(dlrt_sanitizer *sanitizer, const char *what) {
  const dlrt_sanitizer_launch *launch = sanitizer->launch;
  fprintf(sanitizer->stream,
          "dlcc sanitizer: %s in kernel '%s' (launch %llu: %ux%ux%u blocks of %ux%ux%u)\n", what,
          launch->kernel ? launch->kernel : "?", (unsigned long long)sanitizer->launch_number,
          launch->grid[0], launch->grid[1], launch->grid[2], launch->block[0], launch->block[1],
          launch->block[2]);
}

uint64_t dlrt_sanitizer_report_count(const dlrt_sanitizer *sanitizer, dlrt_sanitizer_check check) {
  return sanitizer && (unsigned)check < DLRT_CHECK_COUNT ? sanitizer->per_check[check] : 0;
}

uint64_t dlrt_sanitizer_report_total(const dlrt_sanitizer *sanitizer) {
  return sanitizer ? sanitizer->report_count : 0;
}
