/* Node attributes of the text IR (`name: kind = value`) checked and set on a node. */
#ifndef DLCC_FRONTEND_TEXT_ATTR_H
#define DLCC_FRONTEND_TEXT_ATTR_H

#include "frontend/text/text_ast.h"
#include "ir/graph.h"

/* Sets `attr` on `node`; located error for an unknown kind, a value of the wrong kind, a
 * list where a single value belongs (or the reverse) and a duplicate name. */
int text_build_attr(text_parser *parser, ir_graph *graph, ir_node *node, const text_attr *attr);

#endif
