/* The .dlir text printer: writes a graph in the text IR that frontend/text parses back
 * (format and grammar: docs/ir.md). print(parse(print(g))) is byte-identical to print(g). */
#ifndef DLCC_IR_PRINT_H
#define DLCC_IR_PRINT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct ir_print_options {
  bool elide_constants;       /* large constants printed as `elided` (dump cannot be run) */
  size_t inline_limit_bytes;  /* constants up to this many bytes are printed inline; 0 → 64 */
  const char *side_file_path; /* file to write large constants' bytes into; NULL → large
                                 constants are elided */
  const char *side_file_ref;  /* how the dump names that file (relative to the dump); NULL →
                                 side_file_path */
} ir_print_options;

/* Writes `graph` to `out`. `options` may be NULL (defaults: 64-byte inline limit, large
 * constants elided). Returns 0, or -1 after adding a message (side file or write failure). */
int ir_print_graph(const ir_graph *graph, FILE *out, const ir_print_options *options,
                   dl_diag *diag);
/* The same text as one malloc'd, NUL-terminated string (caller frees); NULL on error. */
char *ir_print_to_string(const ir_graph *graph, const ir_print_options *options, dl_diag *diag);

/* Whether `name` prints bare (a plain identifier [A-Za-z_][A-Za-z0-9_.]* that is not a
 * keyword of the text format); other names print as quoted strings. */
bool ir_print_name_is_bare(const char *name);

#endif
