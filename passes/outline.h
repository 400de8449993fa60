/* Outlining a set of graph-body nodes into one dl.group node (used by the fusion pass). */
#ifndef DLCC_PASSES_OUTLINE_H
#define DLCC_PASSES_OUTLINE_H

#include "ir/diag.h"
#include "ir/graph.h"

/* Moves `members` (nodes of the graph body, in body order, `count` >= 1) into a new
 * dl.group named `name`, placed where the last member was. Its inputs are the non-constant
 * values the members read from outside (constants stay direct references); its outputs are
 * the member values with uses outside the set (`uses`: use counts by value id, as
 * dl_count_uses gives them before any outlining), which keep their names. The caller
 * guarantees that no non-member between the first and the last member uses a member value
 * and that no member reads a value computed by a non-member after the first member that
 * depends on a member (so the group can stand at the last member's place). */
ir_node *dl_outline_group(ir_graph *graph, ir_node *const *members, int count, const char *name,
                          const int *uses, dl_diag *diag);

#endif
