/* Side files of a text dump: large constants' bytes, mapped once per file and owned by
 * the graph's arena. */
#ifndef DLCC_FRONTEND_TEXT_SIDE_FILE_H
#define DLCC_FRONTEND_TEXT_SIDE_FILE_H

#include <stddef.h>
#include <stdint.h>

#include "frontend/text/text_ast.h"
#include "ir/graph.h"

typedef struct text_side_file text_side_file; /* cache entry, in the parser's arena */

typedef struct text_side_files {
  text_side_file *first;
  const char *base_dir; /* NULL: the current folder */
} text_side_files;

/* Points `*out` at `size` bytes at `offset` of side file `ref` (relative to base_dir), copied
 * into the graph arena when the offset is not a multiple of `alignment`. Errors at `loc`:
 * missing or unreadable file, not a regular file, file too short. A file that failed
 * once fails again without a second message. */
int text_side_file_data(text_parser *parser, text_side_files *files, ir_graph *graph,
                        const char *ref, text_location loc, uint64_t offset, uint64_t size,
                        size_t alignment, const void **out);

#endif
