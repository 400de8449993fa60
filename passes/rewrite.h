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

#endif
