/* Writing a graph as text IR the way `dlcc inspect -o` and `dlcc compile --emit=ir` do. */
#ifndef DLCC_TOOLS_TEXT_IR_WRITE_H
#define DLCC_TOOLS_TEXT_IR_WRITE_H

#include <stdbool.h>
#include <stdio.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* Writes `graph` to `out`. When `path` names the file `out` writes, large constants go to the
 * side file PATH.bin, referred to by its bare name so the folder can be moved as a whole; it
 * is written whole or not at all, and a stale PATH.bin is removed once the dump is written.
 * With `path` NULL (standard output) or `elide_constants`, they are printed as `elided`.
 * Returns a CLI exit code: bad input when PATH.bin is one of the graph's source files. */
int cli_write_text_ir(const ir_graph *graph, FILE *out, const char *path, bool elide_constants,
                      dl_diag *diag);

#endif
