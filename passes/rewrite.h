/* Rewriting helpers shared by passes: use counts and replacing every use of a value. */
#ifndef DLCC_PASSES_REWRITE_H
#define DLCC_PASSES_REWRITE_H

#include <stdbool.h>

#include "ir/graph.h"

/* Makes every node input and region result that refers to `from` refer to `to`. */
void dl_replace_all_uses(ir_graph *graph, ir_value *from, ir_value *to);
/* Whether `value` is yielded by `region` (a graph output when region is the graph body). */
bool dl_region_yields(const ir_region *region, const ir_value *value);
/* Uses of every value, indexed by value id (graph->num_values entries, malloc'd: the caller
 * frees it); NULL when out of memory. */
int *dl_count_uses(const ir_graph *graph);

/* Moves `node` (just added, at the end of its region) to stand before `before`. */
void dl_move_before(ir_node *node, ir_node *before);
/* Makes the existing `value` (its name, its readers) output `index` of `node`; returns the
 * value that was that output (to be given to another node, or dropped). */
ir_value *dl_take_output(ir_node *node, int index, ir_value *value);

/* Forwarding, for passes that remove nodes in one walk: `forward` (indexed by value id,
 * graph->num_values entries, zeroed) maps a removed value to the one that replaces it. */
/* The value `value` stands for now (chains are shortened as they are followed, so a whole
 * pass stays linear). */
ir_value *dl_forward_resolve(ir_value **forward, ir_value *value);
/* Redirects `node`'s inputs through `forward`. */
void dl_forward_inputs(ir_value **forward, ir_node *node);
/* Redirects every region's results (bodies and the graph's outputs) through `forward`: last,
 * as a body's nodes are visited after its owner. */
void dl_forward_results(ir_graph *graph, ir_value **forward);

#endif
