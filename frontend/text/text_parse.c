/* Entry points of the .dlir reader: scan and parse into a scratch syntax tree, then build
 * the graph. The scratch arena goes away in one call whatever happened. */
#include "frontend/text/text_parse.h"

#include <errno.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/text/text_build.h"
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
  return graph;
}

/* Reads a whole file into malloc'd memory; NULL after an error naming the path. */
static char *read_file(const char *path, size_t *out_length, dl_diag *diag) {
  FILE *file = fopen(path, "rb");
  if (!file) {
    dl_error(diag, "%s: cannot open: %s", path, strerror(errno));
    return NULL;
  }
  char *data = NULL;
  size_t length = 0, capacity = 0;
  for (;;) {
    if (length == capacity) {
      size_t grown = capacity ? capacity * 2 : 65536;
      char *bigger = grown > capacity ? realloc(data, grown) : NULL;
      if (!bigger) {
        dl_error(diag, "%s: out of memory while reading", path);
        free(data);
        fclose(file);
        return NULL;
      }
      data = bigger;
      capacity = grown;
    }
    size_t got = fread(data + length, 1, capacity - length, file);
    length += got;
    if (got == 0)
      break;
  }
  int failed = ferror(file);
  fclose(file);
  if (failed) {
    dl_error(diag, "%s: read error (is it a folder?)", path);
    free(data);
    return NULL;
  }
  *out_length = length;
  return data;
}

ir_graph *dl_text_parse_file(const char *path, dl_diag *diag) {
  size_t length;
  char *text = read_file(path, &length, diag);
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
  return graph;
}
