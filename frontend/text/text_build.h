/* Turns a parsed .dlir syntax tree into a graph: names resolved in scope, types and
 * attributes checked, constants loaded, then the graph verified. */
#ifndef DLCC_FRONTEND_TEXT_BUILD_H
#define DLCC_FRONTEND_TEXT_BUILD_H

#include "frontend/text/text_ast.h"
#include "ir/graph.h"

/* Returns the graph, or NULL after adding located messages to parser->diag. */
ir_graph *text_build_graph(text_parser *parser, const text_module *module, const char *base_dir);

#endif
