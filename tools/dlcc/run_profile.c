/* Per-kernel profile table of `dlcc run --profile` (see run_profile.h). */
#include "tools/dlcc/run_profile.h"

#include <stdlib.h>

enum { SHOWN_KERNELS = 15 };

typedef struct kernel_time {
  uint32_t kernel;
  uint32_t launches;     /* per run */
  uint32_t first_launch; /* names the node in the table */
  uint64_t ns;           /* summed over runs */
} kernel_time;

static int by_time_descending(const void *a, const void *b) {
  const kernel_time *x = a, *y = b;
  if (x->ns != y->ns)
    return x->ns < y->ns ? 1 : -1;
  return x->kernel < y->kernel ? -1 : x->kernel > y->kernel; /* stable order on ties */
}

int run_profile_print(const dlrt_program *program, const dlrt_model *model,
                      const char *const *launch_nodes, FILE *out) {
  const uint64_t *launch_ns = NULL;
  uint64_t runs = 0;
  if (dlrt_model_launch_times(model, &launch_ns, &runs) != DLRT_STATUS_OK || runs == 0)
    return -1;
  kernel_time *kernels = calloc(program->kernel_count + 1, sizeof *kernels);
  if (!kernels)
    return -1;
  uint64_t total = 0;
  for (uint32_t k = 0; k < program->kernel_count; k++)
    kernels[k].kernel = k;
  for (uint32_t l = 0; l < program->launch_count; l++) {
    kernel_time *entry = &kernels[program->launches[l].kernel];
    if (entry->launches++ == 0)
      entry->first_launch = l;
    entry->ns += launch_ns[l];
    total += launch_ns[l];
  }
  qsort(kernels, program->kernel_count, sizeof *kernels, by_time_descending);
  fprintf(out, "  profile (%llu run%s, device synchronized after every launch):\n",
          (unsigned long long)runs, runs == 1 ? "" : "s");
  fprintf(out, "    %9s %6s %8s  %s\n", "ms/run", "share", "launches", "kernel (first node)");
  double per_run = 1e-6 / (double)runs;
  uint64_t rest = 0;
  uint32_t rest_count = 0;
  for (uint32_t k = 0; k < program->kernel_count; k++) {
    const kernel_time *entry = &kernels[k];
    if (k >= SHOWN_KERNELS) {
      rest += entry->ns;
      rest_count++;
      continue;
    }
    fprintf(out, "    %9.3f %5.1f%% %8u  %s", (double)entry->ns * per_run,
            total ? 100.0 * (double)entry->ns / (double)total : 0.0, entry->launches,
            program->kernels[entry->kernel].name);
    if (launch_nodes && entry->launches)
      fprintf(out, " (%s%s)", launch_nodes[entry->first_launch],
              entry->launches > 1 ? ", ..." : "");
    fputc('\n', out);
  }
  if (rest_count)
    fprintf(out, "    %9.3f %5.1f%% %8s  (%u more kernels)\n", (double)rest * per_run,
            total ? 100.0 * (double)rest / (double)total : 0.0, "", rest_count);
  fprintf(out, "    %9.3f 100.0%% %8u  all launches\n", (double)total * per_run,
          program->launch_count);
  free(kernels);
  return 0;
}
