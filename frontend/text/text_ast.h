/* Syntax tree of a .dlir text, made by the bison parser and turned into a graph by
 * text_build.c. Everything lives in one scratch arena, so a failed parse leaks nothing. */
#ifndef DLCC_FRONTEND_TEXT_AST_H
#define DLCC_FRONTEND_TEXT_AST_H

#include <setjmp.h>
#include <stdbool.h>

#include "ir/arena.h"
#include "ir/diag.h"

typedef struct text_location {
  int line, column; /* 1-based */
} text_location;

typedef struct text_list {
  void **items;
  int count;
  size_t capacity;
} text_list;

typedef struct text_dim {
  text_location loc;
  const char *text;
  bool is_number; /* else a symbol name */
} text_dim;

typedef struct text_type {
  text_location loc;
  const char *dtype;
  text_list dims; /* of text_dim */
} text_type;

typedef struct text_literal text_literal;

typedef struct text_typed_value { /* %name: type [@arena[OFFSET]] */
  text_location loc;
  const char *name;
  text_type *type;
  text_literal *arena_offset; /* NULL when the value has none */
} text_typed_value;

typedef enum text_literal_kind {
  TEXT_LITERAL_NUMBER, /* also inf, -inf, nan */
  TEXT_LITERAL_STRING,
  TEXT_LITERAL_WORD, /* a bare identifier, e.g. a dtype */
  TEXT_LITERAL_BOOL,
} text_literal_kind;

typedef struct text_literal {
  text_location loc;
  text_literal_kind kind;
  const char *text; /* "true"/"false" for bools */
} text_literal;

typedef struct text_attr { /* name: kind = value */
  text_location loc;
  const char *name;
  const char *kind;
  text_location kind_loc;
  bool is_list;
  text_literal *scalar; /* when !is_list */
  text_list elements;   /* of text_literal, when is_list */
} text_attr;

typedef struct text_operand {
  text_location loc;
  const char *name; /* NULL: `_`, an absent optional input */
} text_operand;

typedef struct text_region text_region;

typedef struct text_node {
  text_location loc;
  text_list results; /* of text_typed_value */
  const char *op;
  text_location op_loc;
  text_list operands; /* of text_operand */
  text_list attrs;    /* of text_attr */
  const char *name;   /* NULL: the default name */
  text_region *region;
} text_node;

/* What may follow a node's operands: {attributes} name "n" {region}, each optional. */
typedef struct text_node_tail {
  text_list attrs;
  const char *name;
  text_region *region;
} text_node_tail;

struct text_region {
  text_location loc;
  text_list params; /* of text_typed_value */
  text_list nodes;  /* of text_node */
  text_list yields; /* of text_operand */
};

typedef enum text_item_kind {
  TEXT_ITEM_SYMBOL,
  TEXT_ITEM_INPUT,
  TEXT_ITEM_CONST,
  TEXT_ITEM_NODE,
  TEXT_ITEM_OUTPUT,
  TEXT_ITEM_BIND,
  TEXT_ITEM_STATE,  /* like CONST: its data is the state's initial value */
  TEXT_ITEM_UPDATE, /* update %state = %value */
} text_item_kind;

typedef enum text_const_kind {
  TEXT_CONST_INLINE,
  TEXT_CONST_FILE,
  TEXT_CONST_ELIDED,
} text_const_kind;

typedef struct text_item { /* one line of the graph body */
  text_item_kind kind;
  text_location loc;
  const char *symbol;      /* SYMBOL */
  text_typed_value *value; /* INPUT, CONST, STATE */
  text_const_kind const_kind;
  text_list elements; /* CONST/STATE inline: of text_literal */
  const char *file;   /* CONST/STATE file */
  text_literal *offset, *size;
  text_node *node;      /* NODE */
  text_operand *output; /* OUTPUT; BIND: the graph input; UPDATE: the state */
  text_operand *bound;  /* BIND: the constant it is bound to; UPDATE: the state's new value */
} text_item;

typedef struct text_module {
  text_literal *version;
  const char *graph_name;
  text_list items; /* of text_item */
} text_module;

/* State shared by the scanner, the parser and the builder. */
typedef struct text_parser {
  ir_arena *arena; /* the syntax tree's scratch memory */
  dl_diag *diag;
  const char *display_name;
  text_module *module; /* set by a successful parse */
  int column;          /* scanner position */
  int line;
  jmp_buf *fatal; /* where the scanner's fatal errors unwind to */
} text_parser;

/* Adds "display_name:line:col: message"; returns -1. */
int text_error_at(text_parser *parser, text_location loc, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Reports a fatal scanner error (out of memory) and unwinds to parser->fatal. */
_Noreturn void text_scanner_fatal(text_parser *parser, const char *message);

/* Appends to an arena list; -1 when out of memory. */
int text_list_push(ir_arena *arena, text_list *list, void *item);

/* Decodes a quoted string token (with its quotes) into arena memory; NULL after an
 * error at `loc` for an unknown escape or an embedded NUL byte. */
const char *text_unescape(text_parser *parser, const char *token, int length, text_location loc);

#endif
