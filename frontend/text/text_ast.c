/* Helpers shared by the scanner, parser and builder: located errors, arena lists,
 * string escapes. */
#include "frontend/text/text_ast.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/array.h"

int text_error_at(text_parser *parser, text_location loc, const char *format, ...) {
  char message[512];
  va_list args;
  va_start(args, format);
  vsnprintf(message, sizeof(message), format, args);
  va_end(args);
  return dl_error(parser->diag, "%s:%d:%d: %s", parser->display_name, loc.line, loc.column,
                  message);
}

_Noreturn void text_scanner_fatal(text_parser *parser, const char *message) {
  dl_error(parser->diag, "%s: %s", parser->display_name, message);
  longjmp(*parser->fatal, 1);
}

int text_list_push(ir_arena *arena, text_list *list, void *item) {
  if (!item)
    return -1;
  return IR_ARRAY_APPEND(arena, list->items, list->count, list->capacity, item);
}

static int hex_digit(char c) {
  if (c >= '0' && c <= '9')
    return c - '0';
  if (c >= 'a' && c <= 'f')
    return c - 'a' + 10;
  if (c >= 'A' && c <= 'F')
    return c - 'A' + 10;
  return -1;
}

const char *text_unescape(text_parser *parser, const char *token, int length, text_location loc) {
  /* The scanner guarantees the quotes and that a backslash never ends the body. */
  char *out = ir_arena_alloc(parser->arena, (size_t)length);
  if (!out)
    return NULL;
  int used = 0;
  for (int i = 1; i < length - 1; i++) {
    char c = token[i];
    if (c == '\0') {
      text_error_at(parser, loc, "strings cannot contain a NUL byte (write no \\x00)");
      return NULL;
    }
    if (c != '\\') {
      out[used++] = c;
      continue;
    }
    char escape = token[++i];
    switch (escape) {
    case '"':
      out[used++] = '"';
      break;
    case '\\':
      out[used++] = '\\';
      break;
    case 'n':
      out[used++] = '\n';
      break;
    case 't':
      out[used++] = '\t';
      break;
    case 'r':
      out[used++] = '\r';
      break;
    case 'x': {
      int high = i + 2 < length - 1 ? hex_digit(token[i + 1]) : -1;
      int low = high >= 0 ? hex_digit(token[i + 2]) : -1;
      if (low < 0) {
        text_error_at(parser, loc, "\\x must be followed by two hex digits");
        return NULL;
      }
      if (high == 0 && low == 0) {
        text_error_at(parser, loc, "strings cannot contain a NUL byte (\\x00)");
        return NULL;
      }
      out[used++] = (char)(high * 16 + low);
      i += 2;
      break;
    }
    default:
      text_error_at(parser, loc,
                    "unknown escape '\\%c' in string (use \\\", \\\\, \\n, \\t, \\r or \\xHH)",
                    escape >= 0x20 && escape < 0x7f ? escape : '?');
      return NULL;
    }
  }
  out[used] = '\0';
  return out;
}
