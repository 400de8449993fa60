/* Pipelines: -O levels as lists of pass names, --passes= parsing, and the runner that adds
 * --print-ir-after, --verify-each and --time-passes to every pass. */
#include "passes/pass.h"

#include <string.h>
#include <time.h>

#include "ir/enum_names.h"
#include "ir/memory_plan.h"
#include "ir/print.h"
#include "ir/verify.h"

/* The exporters' decomposed patterns, rewritten into the ops whose kernels do them at once. */
#define DL_PATTERN_PASSES "layer-norm-pattern,gelu-pattern,merge-matmuls,attention-pattern"

/* -O0 runs nothing so that a dump shows the graph as imported. plan-memory comes last: it
 * records offsets that any later pass adding a value would leave incomplete (the commands
 * that compile run it again after materialize-outputs, so every level is planned). */
static const char *const LEVEL_PIPELINES[DL_OPT_LEVEL_MAX + 1] = {
    "",
    "fold-constants,combine-views,eliminate-identity,fold-batchnorm,cse,dce"
    ",plan-memory",
    "fold-constants,combine-views,eliminate-identity,fold-batchnorm,cse," DL_PATTERN_PASSES
    ",dce,fuse"
    ",plan-memory",
    "fold-constants,combine-views,eliminate-identity,fold-batchnorm,cse," DL_PATTERN_PASSES
    ",dce,fuse"
    ",plan-memory",
};

int dl_pipeline_for_level(int level, dl_pipeline *out, dl_diag *diag) {
  if (level < 0 || level > DL_OPT_LEVEL_MAX)
    return dl_error(diag, "optimization level -O%d does not exist (use -O0 to -O%d)", level,
                    DL_OPT_LEVEL_MAX);
  out->count = 0;
  if (!LEVEL_PIPELINES[level][0])
    return 0;
  return dl_pipeline_parse(LEVEL_PIPELINES[level], out, diag);
}

static const char *const PRECISION_NAMES[] = {"f32", "f16", "bf16"};
static const char *const PRECISION_PASSES[] = {NULL, "to-f16", "to-bf16"};

int dl_precision_parse(const char *text, dl_precision *out) {
  int precision = ir_enum_from_name(PRECISION_NAMES, IR_ENUM_NAMES_COUNT(PRECISION_NAMES), text);
  if (precision < 0)
    return -1;
  *out = (dl_precision)precision;
  return 0;
}

const char *dl_precision_name(dl_precision precision) {
  return ir_enum_name(PRECISION_NAMES, IR_ENUM_NAMES_COUNT(PRECISION_NAMES), (int)precision);
}

static int insert_pass(dl_pipeline *pipeline, int at, const dl_pass *pass, dl_diag *diag) {
  if (pipeline->count == DL_PIPELINE_MAX_PASSES)
    return dl_error(diag, "pass list has more than %d passes", DL_PIPELINE_MAX_PASSES);
  memmove(&pipeline->passes[at + 1], &pipeline->passes[at],
          sizeof(pipeline->passes[0]) * (size_t)(pipeline->count - at));
  pipeline->passes[at] = pass;
  pipeline->count++;
  return 0;
}

int dl_pipeline_add_precision(dl_pipeline *pipeline, dl_precision precision, dl_diag *diag) {
  if (!PRECISION_PASSES[precision])
    return 0;
  const dl_pass *dce = dl_pass_find("dce");
  int at = 0;
  while (at < pipeline->count && pipeline->passes[at] != dce)
    at++;
  if (at == pipeline->count && insert_pass(pipeline, at, dce, diag) != 0)
    return -1;
  return insert_pass(pipeline, at, dl_pass_find(PRECISION_PASSES[precision]), diag);
}

int dl_pipeline_parse(const char *list, dl_pipeline *out, dl_diag *diag) {
  out->count = 0;
  const char *at = list ? list : "";
  for (;;) {
    size_t length = strcspn(at, ",");
    char name[128];
    if (length == 0 || length >= sizeof(name))
      return dl_error(diag, "pass list '%s' has an empty or overlong pass name (known passes: %s)",
                      list ? list : "", dl_pass_names());
    memcpy(name, at, length);
    name[length] = '\0';
    const dl_pass *pass = dl_pass_find(name);
    if (!pass)
      return dl_error(diag, "unknown pass '%s' (known passes: %s)", name, dl_pass_names());
    if (out->count == DL_PIPELINE_MAX_PASSES)
      return dl_error(diag, "pass list has more than %d passes", DL_PIPELINE_MAX_PASSES);
    out->passes[out->count++] = pass;
    if (!at[length])
      return 0;
    at += length + 1;
  }
}

static double seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}

/* Whether `name` is one of the comma-separated names of `list`. */
static bool list_has(const char *list, const char *name) {
  size_t length = strlen(name);
  for (const char *at = list; at;) {
    size_t item = strcspn(at, ",");
    if (item == length && strncmp(at, name, length) == 0)
      return true;
    at = at[item] ? at + item + 1 : NULL;
  }
  return false;
}

static bool should_print_after(const dl_pipeline_options *options, const dl_pass *pass) {
  const char *wanted = options->print_ir_after;
  return wanted && options->log && (strcmp(wanted, "all") == 0 || list_has(wanted, pass->name));
}

static void write_time_table(FILE *log, const dl_pipeline *pipeline, const double *seconds) {
  double total = 0;
  for (int i = 0; i < pipeline->count; i++)
    total += seconds[i];
  fprintf(log, "===== pass execution timing =====\n");
  fprintf(log, "%12s %8s  %s\n", "time (us)", "share", "pass");
  for (int i = 0; i < pipeline->count; i++)
    fprintf(log, "%12.1f %7.1f%%  %s\n", seconds[i] * 1e6,
            total > 0 ? 100.0 * seconds[i] / total : 0.0, pipeline->passes[i]->name);
  fprintf(log, "%12.1f %7.1f%%  total\n", total * 1e6, 100.0);
}

int dl_pipeline_run(const dl_pipeline *pipeline, ir_graph *graph,
                    const dl_pipeline_options *options, dl_diag *diag) {
  static const dl_pipeline_options NO_OPTIONS = {0};
  if (!options)
    options = &NO_OPTIONS;
  double seconds[DL_PIPELINE_MAX_PASSES] = {0};
  for (int i = 0; i < pipeline->count; i++) {
    const dl_pass *pass = pipeline->passes[i];
    /* A recorded memory plan describes the graph as it is: a pass that changes the graph
     * starts without one (plan-memory, last, records a fresh one). */
    ir_graph_clear_memory_plan(graph);
    double start = seconds_now();
    int status = pass->run(graph, diag);
    seconds[i] = seconds_now() - start;
    if (status != 0)
      return dl_error(diag, "pass '%s' failed", pass->name);
    if (should_print_after(options, pass)) {
      fprintf(options->log, "# ----- IR after %s -----\n", pass->name);
      ir_print_options print = {.elide_constants = true};
      if (ir_print_graph(graph, options->log, &print, diag) != 0)
        return -1;
    }
    if (options->verify_each && ir_verify_graph(graph, diag) != 0)
      return dl_error(diag, "the graph is invalid after pass '%s' (found by --verify-each)",
                      pass->name);
  }
  if (options->time_passes && options->log)
    write_time_table(options->log, pipeline, seconds);
  return 0;
}
