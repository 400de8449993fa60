/* Matching helpers of the pattern passes (layer-norm-pattern, gelu-pattern,
 * attention-pattern): which node produces a value, one-element constants, intermediates a
 * rewrite may remove, products of Muls as factor lists, and putting a replacement node in
 * place of the matched ones. */
#ifndef DLCC_PASSES_PATTERN_H
#define DLCC_PASSES_PATTERN_H

#include <stdbool.h>

#include "ir/diag.h"
#include "ir/graph.h"

typedef struct dl_pattern {
  ir_graph *graph;
  int *uses; /* by value id (dl_count_uses), recounted after every rewrite */
} dl_pattern;

int dl_pattern_init(dl_pattern *p, ir_graph *graph, dl_diag *diag);
void dl_pattern_deinit(dl_pattern *p);

/* The node producing `value` if its op is `op` and it lives in the graph body; else NULL. */
ir_node *dl_pattern_producer(const ir_value *value, ir_op op);
/* Whether the rewrite may remove `value`'s producer: `readers` uses (all inside the pattern)
 * and not a graph output. */
bool dl_pattern_private(const dl_pattern *p, const ir_value *value, int readers);
/* The one node reading `value` when it has one use and is not a graph output; else NULL. */
ir_node *dl_pattern_sole_reader(const dl_pattern *p, const ir_value *value);
/* A constant of one floating-point element, read as a double. */
bool dl_pattern_scalar(const ir_value *value, double *out);
/* A one-element float constant within a relative 1e-4 of `want` (exporters round their
 * constants to f32, or write sqrt(2) as 1.4142). */
bool dl_pattern_scalar_near(const ir_value *value, double want);
/* The operand of binary `node` other than `one`; NULL when neither is `one`. */
ir_value *dl_pattern_other(const ir_node *node, const ir_value *one);

enum { DL_PATTERN_MAX_FACTORS = 8 };
/* `value` as a product: the factors of the tree of Mul nodes rooted at its producer, going
 * through the inner Muls that only their parent reads (each listed in `muls`, the root
 * first). Returns the factor count, or 0 when there are more than DL_PATTERN_MAX_FACTORS. */
int dl_pattern_factors(const dl_pattern *p, ir_value *value, ir_value **factors,
                       ir_node **muls, int *mul_count);

/* A node of `op` over `inputs`, placed before `last` (the matched node whose output the
 * replacement takes over), named after `last` with `suffix` appended (may be ""); its
 * attributes are the caller's to set before the commit. */
ir_node *dl_pattern_build(dl_pattern *p, ir_node *last, ir_op op, ir_value *const *inputs,
                          int count, const char *suffix);
/* Makes `node` produce `last`'s output (value and name stay, so graph outputs and readers
 * are untouched), removes the matched nodes `dead` (`last` among them), infers `node`'s
 * type and recounts uses. */
int dl_pattern_commit(dl_pattern *p, ir_node *node, ir_node *last, ir_node *const *dead,
                      int dead_count, dl_diag *diag);

#endif
