/* Grammar of the .dlir text IR (docs/ir.md has it in EBNF). A pure parser that only builds
 * a syntax tree in the scratch arena; text_build.c gives it meaning. */
%define api.pure full
%define api.prefix {text_yy}
%define parse.error detailed
%locations
%param {yyscan_t scanner}
%parse-param {text_parser *state}

%code requires {
#include "frontend/text/text_ast.h"
typedef void *yyscan_t;
}

%code provides {
int text_yylex(TEXT_YYSTYPE *value, TEXT_YYLTYPE *location, yyscan_t scanner);
}

%code {
#include <string.h>

static void text_yyerror(TEXT_YYLTYPE *location, yyscan_t scanner, text_parser *state,
                         const char *message) {
  (void)scanner;
  /* Bison's stack limit (YYMAXDEPTH) is reached by deep region nesting long before memory
   * runs out, so say that. */
  if (strcmp(message, "memory exhausted") == 0)
    message = "regions nested too deeply for the parser (or out of memory)";
  text_error_at(state, (text_location){location->first_line, location->first_column}, "%s",
                message);
}

#define LOC(at) ((text_location){(at).first_line, (at).first_column})
/* Zeroed syntax-tree memory; a failed allocation ends the parse as "memory exhausted". */
#define NEW(var, type)                                                                     \
  do {                                                                                     \
    if (!((var) = ir_arena_alloc(state->arena, sizeof(type))))                             \
      YYNOMEM;                                                                             \
  } while (0)
#define PUSH(list, item)                                                                   \
  do {                                                                                     \
    if (text_list_push(state->arena, (list), (item)) != 0)                                 \
      YYNOMEM;                                                                             \
  } while (0)

static text_literal *make_literal(text_parser *state, text_location loc,
                                  text_literal_kind kind, const char *text) {
  text_literal *literal = ir_arena_alloc(state->arena, sizeof(text_literal));
  if (literal)
    *literal = (text_literal){.loc = loc, .kind = kind, .text = text};
  return literal;
}
}

%union {
  const char *text;
  text_list *list;
  text_type *type;
  text_dim *dim;
  text_typed_value *typed;
  text_literal *literal;
  text_attr *attr;
  text_operand *operand;
  text_node *node;
  text_node_tail *tail;
  text_region *region;
  text_item *item;
}

%token KW_DLIR "dlir" KW_GRAPH "graph" KW_SYMBOL "symbol" KW_INPUT "input" KW_CONST "const"
%token KW_STATE "state" KW_UPDATE "update"
%token KW_OUTPUT "output" KW_BIND "bind" KW_FILE "file" KW_OFFSET "offset" KW_SIZE "size" KW_ELIDED "elided"
%token KW_NAME "name" KW_YIELD "yield" KW_TRUE "true" KW_FALSE "false" ABSENT "_"
%token ARENA_AT "@arena"
%token <text> IDENT "identifier" STRING "string" VALUE "value (%name)" NUMBER "number"

%type <text> name
%type <list> items dims dim_list literals literal_list attr_list attrs operands operand_list
%type <list> results params region_nodes yields
%type <type> type
%type <dim> dim
%type <typed> typed_value
%type <literal> literal
%type <attr> attr
%type <operand> operand
%type <node> node call
%type <tail> node_tail
%type <region> region
%type <item> item initial_value

%%

module:
    "dlir" NUMBER "graph" name '{' items '}' {
      text_module *module;
      NEW(module, text_module);
      module->version = make_literal(state, LOC(@2), TEXT_LITERAL_NUMBER, $2);
      if (!module->version)
        YYNOMEM;
      module->graph_name = $4;
      module->items = *$6;
      state->module = module;
    }
  ;

items:
    %empty        { NEW($$, text_list); }
  | items item    { $$ = $1; PUSH($$, $2); }
  ;

item:
    "symbol" name {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_SYMBOL, .loc = LOC(@2), .symbol = $2};
    }
  | "input" typed_value {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_INPUT, .loc = LOC(@2), .value = $2};
    }
  | "const" typed_value '=' initial_value {
      $$ = $4;
      $$->kind = TEXT_ITEM_CONST;
      $$->loc = LOC(@2);
      $$->value = $2;
    }
  | "state" typed_value '=' initial_value {
      $$ = $4;
      $$->kind = TEXT_ITEM_STATE;
      $$->loc = LOC(@2);
      $$->value = $2;
    }
  | node {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_NODE, .loc = $1->loc, .node = $1};
    }
  | "output" operand {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_OUTPUT, .loc = LOC(@2), .output = $2};
    }
  | "bind" operand '=' operand {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_BIND, .loc = LOC(@2), .output = $2, .bound = $4};
    }
  | "update" operand '=' operand {
      NEW($$, text_item);
      *$$ = (text_item){.kind = TEXT_ITEM_UPDATE, .loc = LOC(@2), .output = $2, .bound = $4};
    }
  ;

  /* The data of a constant or of a state's initial value: the item's kind, location and
     typed value are filled in by the line that uses it. */
initial_value:
    '[' literals ']' {
      NEW($$, text_item);
      *$$ = (text_item){.const_kind = TEXT_CONST_INLINE, .elements = *$2};
    }
  | "file" STRING "offset" NUMBER "size" NUMBER {
      NEW($$, text_item);
      *$$ = (text_item){.const_kind = TEXT_CONST_FILE, .file = $2,
                        .offset = make_literal(state, LOC(@4), TEXT_LITERAL_NUMBER, $4),
                        .size = make_literal(state, LOC(@6), TEXT_LITERAL_NUMBER, $6)};
      if (!$$->offset || !$$->size)
        YYNOMEM;
    }
  | "elided" {
      NEW($$, text_item);
      *$$ = (text_item){.const_kind = TEXT_CONST_ELIDED};
    }
  ;

name: IDENT | STRING ;

typed_value:
    VALUE ':' type {
      NEW($$, text_typed_value);
      *$$ = (text_typed_value){.loc = LOC(@1), .name = $1, .type = $3};
    }
  | VALUE ':' type "@arena" '[' NUMBER ']' {
      NEW($$, text_typed_value);
      *$$ = (text_typed_value){.loc = LOC(@1), .name = $1, .type = $3};
      if (!($$->arena_offset = make_literal(state, LOC(@6), TEXT_LITERAL_NUMBER, $6))) YYNOMEM;
    }
  ;

type:
    IDENT '[' dims ']' {
      NEW($$, text_type);
      *$$ = (text_type){.loc = LOC(@1), .dtype = $1, .dims = *$3};
    }
  ;

dims:
    %empty    { NEW($$, text_list); }
  | dim_list
  ;

dim_list:
    dim               { NEW($$, text_list); PUSH($$, $1); }
  | dim_list ',' dim  { $$ = $1; PUSH($$, $3); }
  ;

dim:
    NUMBER  { NEW($$, text_dim); *$$ = (text_dim){.loc = LOC(@1), .text = $1, .is_number = true}; }
  | name    { NEW($$, text_dim); *$$ = (text_dim){.loc = LOC(@1), .text = $1}; }
  ;

literals:
    %empty        { NEW($$, text_list); }
  | literal_list
  ;

literal_list:
    literal                   { NEW($$, text_list); PUSH($$, $1); }
  | literal_list ',' literal  { $$ = $1; PUSH($$, $3); }
  ;

literal:
    NUMBER    { if (!($$ = make_literal(state, LOC(@1), TEXT_LITERAL_NUMBER, $1))) YYNOMEM; }
  | STRING    { if (!($$ = make_literal(state, LOC(@1), TEXT_LITERAL_STRING, $1))) YYNOMEM; }
  | IDENT     { if (!($$ = make_literal(state, LOC(@1), TEXT_LITERAL_WORD, $1))) YYNOMEM; }
  | "true"    { if (!($$ = make_literal(state, LOC(@1), TEXT_LITERAL_BOOL, "true"))) YYNOMEM; }
  | "false"   { if (!($$ = make_literal(state, LOC(@1), TEXT_LITERAL_BOOL, "false"))) YYNOMEM; }
  ;

node:
    results '=' call { $$ = $3; $$->results = *$1; $$->loc = LOC(@1); }
  | call
  ;

results:
    typed_value              { NEW($$, text_list); PUSH($$, $1); }
  | results ',' typed_value  { $$ = $1; PUSH($$, $3); }
  ;

call:
    name '(' operands ')' node_tail {
      NEW($$, text_node);
      *$$ = (text_node){.loc = LOC(@1), .op = $1, .op_loc = LOC(@1), .operands = *$3,
                        .attrs = $5->attrs, .name = $5->name, .region = $5->region};
    }
  ;

operands:
    %empty        { NEW($$, text_list); }
  | operand_list
  ;

operand_list:
    operand                   { NEW($$, text_list); PUSH($$, $1); }
  | operand_list ',' operand  { $$ = $1; PUSH($$, $3); }
  ;

operand:
    VALUE  { NEW($$, text_operand); *$$ = (text_operand){.loc = LOC(@1), .name = $1}; }
  | "_"    { NEW($$, text_operand); *$$ = (text_operand){.loc = LOC(@1)}; }
  ;

  /* Spelled out so that '{' after ')' needs no lookahead decision: the token after '{'
     ('^' for a region) tells attributes and region apart. */
node_tail:
    %empty                     { NEW($$, text_node_tail); }
  | attrs                      { NEW($$, text_node_tail); $$->attrs = *$1; }
  | attrs "name" name          { NEW($$, text_node_tail); $$->attrs = *$1; $$->name = $3; }
  | attrs "name" name region   { NEW($$, text_node_tail); $$->attrs = *$1; $$->name = $3; $$->region = $4; }
  | attrs region               { NEW($$, text_node_tail); $$->attrs = *$1; $$->region = $2; }
  | "name" name                { NEW($$, text_node_tail); $$->name = $2; }
  | "name" name region         { NEW($$, text_node_tail); $$->name = $2; $$->region = $3; }
  | region                     { NEW($$, text_node_tail); $$->region = $1; }
  ;

attrs:
    '{' '}'            { NEW($$, text_list); }
  | '{' attr_list '}'  { $$ = $2; }
  ;

attr_list:
    attr                { NEW($$, text_list); PUSH($$, $1); }
  | attr_list ',' attr  { $$ = $1; PUSH($$, $3); }
  ;

attr:
    name ':' IDENT '=' literal {
      NEW($$, text_attr);
      *$$ = (text_attr){.loc = LOC(@1), .name = $1, .kind = $3, .kind_loc = LOC(@3),
                        .scalar = $5};
    }
  | name ':' IDENT '=' '[' literals ']' {
      NEW($$, text_attr);
      *$$ = (text_attr){.loc = LOC(@1), .name = $1, .kind = $3, .kind_loc = LOC(@3),
                        .is_list = true, .elements = *$6};
    }
  ;

region:
    '{' '^' '(' params ')' ':' region_nodes "yield" yields '}' {
      NEW($$, text_region);
      *$$ = (text_region){.loc = LOC(@2), .params = *$4, .nodes = *$7, .yields = *$9};
    }
  ;

params:
    %empty                   { NEW($$, text_list); }
  | results
  ;

region_nodes:
    %empty             { NEW($$, text_list); }
  | region_nodes node  { $$ = $1; PUSH($$, $2); }
  ;

yields:
    %empty        { NEW($$, text_list); }
  | operand_list
  ;

%%
