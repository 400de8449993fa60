/* Checks a parsed graph: the printed types must be the ones the ops give. */
#ifndef DLCC_FRONTEND_TEXT_VERIFY_H
#define DLCC_FRONTEND_TEXT_VERIFY_H

#include "frontend/text/text_ast.h"
#include "ir/graph.h"

/* Returns 0, or -1 after adding messages; `node_locs` (indexed by node id) locates them. */
int text_verify_graph(text_parser *parser, ir_graph *graph, const text_location *node_locs);

#endif
