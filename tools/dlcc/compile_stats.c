/* Collecting and printing `dlcc compile --stats`: compiler figures and ptxas's per-kernel
 * resources. */
#include "tools/dlcc/compile_stats.h"

#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/cost.h"
#include "tools/dlcc/graph_stats.h"

/* Whether `program` can be run: a path with a slash as is, a bare name through $PATH (as
 * posix_spawnp searches it). */
static bool program_found(const char *program) {
  if (strchr(program, '/'))
    return access(program, X_OK) == 0;
  const char *path = getenv("PATH");
  for (const char *start = path && *path ? path : "/usr/bin:/bin"; start;) {
    const char *end = strchr(start, ':');
    int length = end ? (int)(end - start) : (int)strlen(start);
    char candidate[4096];
    int written =
        snprintf(candidate, sizeof candidate, "%.*s/%s", length, length ? start : ".", program);
    if (written > 0 && (size_t)written < sizeof candidate && access(candidate, X_OK) == 0)
      return true;
    start = end ? end + 1 : NULL;
  }
  return false;
}

static bool is_pointer(uint32_t kind) {
  return kind == DLRT_ARG_ARENA || kind == DLRT_ARG_WEIGHT || kind == DLRT_ARG_INPUT ||
         kind == DLRT_ARG_OUTPUT;
}

/* The modeled figures of every launch (see compile_stats). */
static int model_launches(compile_stats *out, dl_diag *diag) {
  const dlrt_program *program = dl_compiled_program(out->compiled);
  const ir_node *const *nodes = dl_compiled_launch_ir_nodes(out->compiled);
  out->launch_bytes = calloc(program->launch_count + 1, sizeof(int64_t));
  out->launch_flops = calloc(program->launch_count + 1, sizeof(int64_t));
  if (!out->launch_bytes || !out->launch_flops)
    return dl_error(diag, "out of memory");
  for (uint32_t i = 0; i < program->launch_count; i++) {
    const dlrt_launch *launch = &program->launches[i];
    for (uint32_t a = 0; a < launch->arg_count; a++) {
      if (is_pointer(launch->args[a].kind))
        out->launch_bytes[i] += (int64_t)launch->args[a].bytes;
      /* A launch that counts (the split-K GEMM, codegen/ops/tiled_gemm.h) writes the partial
       * sums in the argument before its counters and its last blocks read them back in the
       * same launch: written once and read once, both counted. They are often still in L2
       * when read, but this model has no cache (activations passed between kernels often
       * are too), and counting them keeps a split GEMM's cost honest against an unsplit
       * one. The counters themselves (a word per tile) are not counted. */
      if (launch->args[a].kind == DLRT_ARG_COUNTERS && a > 0 &&
          is_pointer(launch->args[a - 1].kind))
        out->launch_bytes[i] += (int64_t)launch->args[a - 1].bytes;
    }
    if (i == 0 || nodes[i] != nodes[i - 1])
      out->launch_flops[i] = ir_node_flops(nodes[i]);
    out->dram_bytes += out->launch_bytes[i];
    out->flops += out->launch_flops[i];
  }
  return 0;
}

int compile_stats_collect(const compile_options *options, const char *name,
                          const ir_graph *graph, const cli_stages *stages,
                          const dl_compiled *compiled, compile_stats *out, dl_diag *diag) {
  *out = (compile_stats){
      .options = options, .name = name, .graph = graph, .stages = stages, .compiled = compiled};
  out->program = *dl_compiled_stats(compiled);
  if (model_launches(out, diag) != 0)
    return -1;
  if (!options->target)
    return 0;
  out->ptxas_path = kb_ptxas_path(NULL);
  if (!program_found(out->ptxas_path))
    return 0;
  const char *ptx = dl_compiled_ptx(compiled, 0);
  if (!ptx)
    return dl_error(diag, "no PTX was emitted for %s", options->target);
  if (kb_ptxas_run(out->ptxas_path, ptx, strlen(ptx), options->target, &out->ptxas, diag) != 0)
    return -1;
  out->ptxas_ran = true;
  return 0;
}

compile_ptxas_total compile_stats_ptxas_total(const compile_stats *stats) {
  compile_ptxas_total total = {0};
  for (int i = 0; i < stats->ptxas.kernel_count; i++) {
    const kb_ptxas_kernel *kernel = &stats->ptxas.kernels[i];
    if (kernel->registers > total.max_registers)
      total.max_registers = kernel->registers;
    if (kernel->shared_bytes > total.max_shared_bytes)
      total.max_shared_bytes = kernel->shared_bytes;
    total.stack_bytes += kernel->stack_bytes;
    total.spill_store_bytes += kernel->spill_store_bytes;
    total.spill_load_bytes += kernel->spill_load_bytes;
  }
  return total;
}

static void print_ptxas(const compile_stats *stats, FILE *out) {
  if (!stats->ptxas_ran) {
    fprintf(out,
            "  ptxas: '%s' not found, so no registers or spills (install the CUDA toolkit or "
            "set DLCC_PTXAS)\n",
            stats->ptxas_path);
    return;
  }
  fprintf(out, "  ptxas -arch=%s -v (%s), per kernel:\n", stats->options->target,
          stats->ptxas_path);
  fprintf(out, "    %9s %12s %11s %7s %8s  %s\n", "registers", "spill stores", "spill loads",
          "stack", "shared", "kernel");
  for (int i = 0; i < stats->ptxas.kernel_count; i++) {
    const kb_ptxas_kernel *kernel = &stats->ptxas.kernels[i];
    fprintf(out, "    %9d %10d B %9d B %5d B %6d B  %s\n", kernel->registers,
            kernel->spill_store_bytes, kernel->spill_load_bytes, kernel->stack_bytes,
            kernel->shared_bytes, kernel->name);
  }
  compile_ptxas_total total = compile_stats_ptxas_total(stats);
  fprintf(out,
          "  total: %d kernels, at most %d registers, %d B spill stores, %d B spill loads, "
          "%d B stack, at most %d B shared\n",
          stats->ptxas.kernel_count, total.max_registers, total.spill_store_bytes,
          total.spill_load_bytes, total.stack_bytes, total.max_shared_bytes);
}

void compile_stats_print(const compile_stats *stats, FILE *out) {
  const compile_options *options = stats->options;
  const dl_compile_stats *program = &stats->program;
  fprintf(out, "dlcc compile: %s as '%s' for %s (-O%d, %s)\n", options->model_path, stats->name,
          options->target ? options->target : "host", options->opt_level,
          dl_precision_name(options->precision));
  fprintf(out, "  %d kernels, %d launches, %d views; arena ", program->kernel_count,
          program->launch_count, program->view_count);
  cli_write_bytes(out, (int64_t)program->arena_bytes);
  fputs(" (live lower bound ", out);
  cli_write_bytes(out, (int64_t)program->live_lower_bound);
  fputs("), weights ", out);
  cli_write_bytes(out, (int64_t)program->weight_bytes);
  fputc('\n', out);
  fputs("  modeled per inference: ", out);
  cli_write_bytes(out, stats->dram_bytes);
  double flops = (double)stats->flops;
  if (flops >= 1e9)
    fprintf(out, " of DRAM traffic, %.2f GFLOP", flops * 1e-9);
  else if (flops >= 1e6)
    fprintf(out, " of DRAM traffic, %.2f MFLOP", flops * 1e-6);
  else
    fprintf(out, " of DRAM traffic, %lld FLOP", (long long)stats->flops);
  if (stats->graph->source_nodes >= 0)
    fprintf(out, "; %lld ONNX nodes", (long long)stats->graph->source_nodes);
  fputc('\n', out);
  if (options->target)
    print_ptxas(stats, out);
}

void compile_stats_deinit(compile_stats *stats) {
  kb_ptxas_result_deinit(&stats->ptxas);
  free(stats->launch_bytes);
  free(stats->launch_flops);
}
