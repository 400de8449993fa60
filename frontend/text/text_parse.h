/* The .dlir text IR reader (format and grammar: docs/ir.md). Errors read
 * `file:line:col: message`; a graph is returned only when the whole text is valid. */
#ifndef DLCC_FRONTEND_TEXT_PARSE_H
#define DLCC_FRONTEND_TEXT_PARSE_H

#include <stddef.h>

#include "ir/diag.h"
#include "ir/graph.h"

/* Parses the file at `path`; side files of large constants are resolved against the
 * file's folder. Returns NULL after adding messages to `diag`. */
ir_graph *dl_text_parse_file(const char *path, dl_diag *diag);

/* Parses `length` bytes of `text` (need not be NUL-terminated). `display_name` names the
 * text in messages (NULL → "<string>"); side files are resolved against `base_dir`
 * (NULL → the current folder). Returns NULL after adding messages to `diag`. */
ir_graph *dl_text_parse_string(const char *text, size_t length, const char *display_name,
                               const char *base_dir, dl_diag *diag);

#endif
