/* The pass registry and pipelines: every pass is a row of passes.def, a pipeline is a list of
 * pass names (-O levels are data), run with optional IR printing, verification and timing. */
#ifndef DLCC_PASSES_PASS_H
#define DLCC_PASSES_PASS_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* A pass rewrites `graph` in place; returns 0, or -1 after adding a message to `diag`. */
typedef int (*dl_pass_fn)(ir_graph *graph, dl_diag *diag);

typedef struct dl_pass {
  const char *name; /* as written on the command line: "fold-constants" */
  const char *description;
  dl_pass_fn run;
} dl_pass;

#define PASS(FUNCTION, NAME, DESCRIPTION) int FUNCTION(ir_graph *graph, dl_diag *diag);
#include "passes/passes.def"
#undef PASS

int dl_pass_count(void);
const dl_pass *dl_pass_at(int index);          /* NULL when out of range */
const dl_pass *dl_pass_find(const char *name); /* NULL when unknown */
/* "fold-constants, eliminate-identity, dce": every pass name, for error messages. */
const char *dl_pass_names(void);

enum { DL_PIPELINE_MAX_PASSES = 64, DL_OPT_LEVEL_MAX = 3 };

typedef struct dl_pipeline {
  const dl_pass *passes[DL_PIPELINE_MAX_PASSES];
  int count;
} dl_pipeline;

/* The pipeline of -O`level` (0..3). */
int dl_pipeline_for_level(int level, dl_pipeline *out, dl_diag *diag);
/* Parses a comma list of pass names ("dce,fold-constants"); an unknown or empty name is an
 * error that lists the known passes. */
int dl_pipeline_parse(const char *list, dl_pipeline *out, dl_diag *diag);

/* How a model stores its f32 tensors (`--precision`): as imported, or as 16-bit floats
 * (passes to-f16 and to-bf16, docs/passes.md). */
typedef enum dl_precision { DL_PRECISION_F32, DL_PRECISION_F16, DL_PRECISION_BF16 } dl_precision;

/* "f32", "f16", "bf16" → *out; -1 for anything else. */
int dl_precision_parse(const char *text, dl_precision *out);
const char *dl_precision_name(dl_precision precision);
/* Adds the pass of `precision` (none for f32) to `pipeline`: before its dce, so the f32
 * weights it replaces go, or followed by dce where the pipeline has none. */
int dl_pipeline_add_precision(dl_pipeline *pipeline, dl_precision precision, dl_diag *diag);

typedef struct dl_pipeline_options {
  /* Pass names (comma-separated), or "all", after which the graph is printed as text IR to
   * `log`; NULL: none. */
  const char *print_ir_after;
  bool verify_each; /* run ir_verify_graph after every pass */
  bool time_passes; /* write a per-pass time table to `log` at the end */
  FILE *log;        /* where printing and timing go (the CLI passes stderr); NULL: nowhere */
} dl_pipeline_options;

/* Runs the passes in order. The first failing pass (or failed verification) stops the run;
 * its message names the pass. `options` may be NULL. */
int dl_pipeline_run(const dl_pipeline *pipeline, ir_graph *graph,
                    const dl_pipeline_options *options, dl_diag *diag);

#endif
