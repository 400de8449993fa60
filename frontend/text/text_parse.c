/* Entry points of the .dlir reader: scan and parse into a scratch syntax tree, then build
 * the graph. The scratch arena goes away in one call whatever happened. */
#include "frontend/text/text_parse.h"

#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/text/text_build.h"
#include "ir/input_file.h"
#include "ir/limits.h"
#include "parser.h"

/* From the generated scanner (lexer.c). */
typedef struct yy_buffer_state *YY_BUFFER_STATE;
int text_yylex_init_extra(text_parser *extra, yyscan_t *scanner);
int text_yylex_destroy(yyscan_t scanner);
YY_BUFFER_STATE text_yy_scan_bytes(const char *bytes, int length, yyscan_t scanner);
void text_yy_delete_buffer(YY_BUFFER_STATE buffer, yyscan_t scanner);

ir_graph *dl_text_parse_string(const char *text, size_t length, const char *display_name,
                               const char *base_dir, dl_diag *diag) {
  text_parser parser = {.diag = diag,
                        .display_name = display_name ? display_name : "<string>",
                        .line = 1,
                        .column = 1};
  if (length > INT_MAX / 2) {
    dl_error(diag, "%s: text is too large to parse (%zu bytes)", parser.display_name, length);
    return NULL;
  }
  parser.arena = ir_arena_create();
  yyscan_t scanner = NULL;
  if (!parser.arena || text_yylex_init_extra(&parser, &scanner) != 0) {
    ir_arena_destroy(parser.arena);
    dl_error(diag, "%s: out of memory", parser.display_name);
    return NULL;
  }
  jmp_buf fatal;
  parser.fatal = &fatal;
  if (setjmp(fatal) != 0) { /* the scanner ran out of memory; its buffers go with it */
    text_yylex_destroy(scanner);
    ir_arena_destroy(parser.arena);
    return NULL;
  }
  YY_BUFFER_STATE buffer = text_yy_scan_bytes(text ? text : "", (int)length, scanner);
  int status = text_yyparse(scanner, &parser);
  text_yy_delete_buffer(buffer, scanner);
  text_yylex_destroy(scanner);
  ir_graph *graph = NULL;
  if (status == 0 && parser.module)
    graph = text_build_graph(&parser, parser.module, base_dir);
  ir_arena_destroy(parser.arena);
  int64_t max_nodes = dl_limits_get()->max_nodes;
  if (graph && graph->num_nodes > max_nodes) {
    dl_error(diag, "%s: the graph has %d nodes, more than the limit of %lld (--max-nodes raises it)",
             parser.display_name, graph->num_nodes, (long long)max_nodes);
    ir_graph_destroy(graph);
    return NULL;
  }
  return graph;
}

ir_graph *dl_text_parse_file(const char *path, dl_diag *diag) {
  size_t length = 0;
  dl_file_id id;
  char *text = dl_input_read(path, dl_limits_get()->max_file_bytes, &length, &id, diag);
  if (!text)
    return NULL;
  /* Side files are named relative to the dump's own folder. */
  const char *slash = strrchr(path, '/');
  char *base_dir = slash ? strndup(path, slash == path ? 1 : (size_t)(slash - path)) : strdup(".");
  ir_graph *graph = NULL;
  if (!base_dir)
    dl_error(diag, "%s: out of memory", path);
  else
    graph = dl_text_parse_string(text, length, path, base_dir, diag);
  free(base_dir);
  free(text);
  if (graph && dl_file_set_add(&graph->source_files, id) != 0) {
    dl_error(diag, "%s: out of memory", path);
    ir_graph_destroy(graph);
    return NULL;
  }
  return graph;
}
