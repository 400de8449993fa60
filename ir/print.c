/* The .dlir text printer (format: docs/ir.md). Output is canonical so that a parsed dump
 * prints byte-identically: fixed order, fixed spacing, exact float spellings. */
#include "ir/print.h"

#include "ir/state.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Side files place every constant at a multiple of this, so loaders may map them. */
enum { SIDE_FILE_ALIGNMENT = 64, DEFAULT_INLINE_LIMIT = 64 };

typedef struct printer {
  const ir_graph *graph;
  FILE *out;
  dl_diag *diag;
  bool elide_constants;
  size_t inline_limit;
  const char *side_path; /* NULL: large constants are elided */
  const char *side_ref;
  FILE *side; /* opened on the first large constant */
  bool side_failed;
  uint64_t side_offset;
  int nodes_printed; /* pre-order index, which is the id the parser gives the next node */
  int failed;
} printer;

/* Words the lexer reads as keywords; a name spelled like one must be quoted. */
static const char *const KEYWORDS[] = {"dlir", "graph",  "symbol", "input",  "const", "output",
                                       "file", "offset", "size",   "elided", "name",  "yield",
                                       "true", "false",  "inf",    "nan",    "bind",   "state",
                                       "update", "_"};

static bool is_ident_start(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || c == '_';
}
static bool is_ident_char(char c) {
  return is_ident_start(c) || (c >= '0' && c <= '9') || c == '.';
}

bool ir_print_name_is_bare(const char *name) {
  if (!name || !is_ident_start(name[0]))
    return false;
  for (const char *p = name + 1; *p; p++)
    if (!is_ident_char(*p))
      return false;
  for (size_t i = 0; i < sizeof(KEYWORDS) / sizeof(KEYWORDS[0]); i++)
    if (strcmp(name, KEYWORDS[i]) == 0)
      return false;
  return true;
}

/* Value names after '%' may also start with a digit ("%0", "%12"), as ONNX exports use. */
static bool value_name_is_bare(const char *name) {
  if (!name || !*name)
    return false;
  for (const char *p = name; *p; p++)
    if (!is_ident_char(*p))
      return false;
  return true;
}

static void print_quoted(FILE *out, const char *text) {
  fputc('"', out);
  for (const unsigned char *p = (const unsigned char *)(text ? text : ""); *p; p++) {
    switch (*p) {
    case '"':
      fputs("\\\"", out);
      break;
    case '\\':
      fputs("\\\\", out);
      break;
    case '\n':
      fputs("\\n", out);
      break;
    case '\t':
      fputs("\\t", out);
      break;
    case '\r':
      fputs("\\r", out);
      break;
    default:
      if (*p < 0x20 || *p == 0x7f)
        fprintf(out, "\\x%02x", *p);
      else
        fputc(*p, out); /* bytes >= 0x80 pass through: UTF-8 stays readable */
    }
  }
  fputc('"', out);
}

static void print_name(FILE *out, const char *name) {
  if (ir_print_name_is_bare(name))
    fputs(name, out);
  else
    print_quoted(out, name);
}

static void print_value_ref(FILE *out, const ir_value *value) {
  fputc('%', out);
  if (value_name_is_bare(value->name))
    fputs(value->name, out);
  else
    print_quoted(out, value->name);
}

static void print_type(printer *p, const ir_type *type) {
  FILE *out = p->out;
  fputs(ir_dtype_name(type->dtype), out);
  fputc('[', out);
  for (int i = 0; i < type->rank && i < IR_MAX_RANK; i++) {
    int64_t dim = type->dims[i];
    if (i)
      fputc(',', out);
    if (ir_dim_is_static(dim)) {
      fprintf(out, "%" PRId64, dim);
    } else {
      int symbol = ir_dim_symbol_index(dim);
      if (symbol < p->graph->num_symbols) {
        print_name(out, p->graph->symbols[symbol]);
      } else { /* a broken graph: still print something a reader can see */
        char unknown[32];
        snprintf(unknown, sizeof(unknown), "?%d", symbol);
        print_quoted(out, unknown);
      }
    }
  }
  fputc(']', out);
}

static void print_typed_value(printer *p, const ir_value *value) {
  print_value_ref(p->out, value);
  fputs(": ", p->out);
  print_type(p, &value->type);
  if (value->has_arena_offset)
    fprintf(p->out, " @arena[%" PRIu64 "]", value->arena_offset);
}

/* `digits` significant digits are enough to read back the exact value: 9 for binary32,
 * 17 for binary64. */
static void print_real(FILE *out, double value, int digits) {
  if (isnan(value))
    fputs("nan", out);
  else if (isinf(value))
    fputs(value < 0 ? "-inf" : "inf", out);
  else
    fprintf(out, "%.*g", digits, value);
}

static float half_to_float(uint16_t bits) {
  int sign = bits >> 15, exponent = (bits >> 10) & 0x1f, mantissa = bits & 0x3ff;
  float magnitude;
  if (exponent == 0)
    magnitude = ldexpf((float)mantissa, -24);
  else if (exponent == 31)
    magnitude = mantissa ? NAN : INFINITY;
  else
    magnitude = ldexpf((float)(mantissa | 0x400), exponent - 25);
  return sign ? -magnitude : magnitude;
}

static float bfloat_to_float(uint16_t bits) {
  uint32_t wide = (uint32_t)bits << 16;
  float value;
  memcpy(&value, &wide, sizeof(value));
  return value;
}

/* Element `index` of little-endian constant data in its type's natural spelling. */
static void print_element(FILE *out, ir_dtype dtype, const void *data, int64_t index) {
  ir_small_float format;
  if (ir_small_float_format(dtype, &format)) { /* 8- and 4-bit floats: exact in 9 digits */
    print_real(out, ir_element_get_float(dtype, data, index), 9);
    return;
  }
  if (ir_dtype_is_packed(dtype)) {
    fprintf(out, "%" PRId64, ir_element_get_int(dtype, data, index));
    return;
  }
  const unsigned char *at = (const unsigned char *)data + index * (int64_t)ir_dtype_size(dtype);
  union {
    float f32;
    double f64;
    uint16_t u16;
    int8_t i8;
    uint8_t u8;
    int16_t i16;
    int32_t i32;
    uint32_t u32;
    int64_t i64;
    uint64_t u64;
  } v;
  memcpy(&v, at, ir_dtype_size(dtype));
  switch (dtype) {
  case IR_DTYPE_F32:
    print_real(out, v.f32, 9);
    break;
  case IR_DTYPE_F64:
    print_real(out, v.f64, 17);
    break;
  case IR_DTYPE_F16:
    print_real(out, half_to_float(v.u16), 9);
    break;
  case IR_DTYPE_BF16:
    print_real(out, bfloat_to_float(v.u16), 9);
    break;
  case IR_DTYPE_I8:
    fprintf(out, "%d", v.i8);
    break;
  case IR_DTYPE_U8:
    fprintf(out, "%u", v.u8);
    break;
  case IR_DTYPE_I16:
    fprintf(out, "%d", v.i16);
    break;
  case IR_DTYPE_U16:
    fprintf(out, "%u", v.u16);
    break;
  case IR_DTYPE_I32:
    fprintf(out, "%" PRId32, v.i32);
    break;
  case IR_DTYPE_U32:
    fprintf(out, "%" PRIu32, v.u32);
    break;
  case IR_DTYPE_I64:
    fprintf(out, "%" PRId64, v.i64);
    break;
  case IR_DTYPE_U64:
    fprintf(out, "%" PRIu64, v.u64);
    break;
  case IR_DTYPE_BOOL:
    fputs(v.u8 ? "true" : "false", out);
    break;
  default:
    fputs("0", out);
    break;
  }
}

/* Appends `bytes` to the side file at the next aligned offset; returns that offset. */
static int write_side_data(printer *p, const void *data, uint64_t bytes, uint64_t *out_offset) {
  if (p->side_failed)
    return -1; /* reported once, at the first failure */
  p->side_failed = true;
  if (!p->side) {
    /* A new file rather than truncating the old one: the graph being printed may have been
     * read from that very file, and its constants still point into a mapping of it. */
    if (unlink(p->side_path) != 0 && errno != ENOENT)
      return dl_error(p->diag, "%s: cannot replace side file for constants: %s", p->side_path,
                      strerror(errno));
    p->side = fopen(p->side_path, "wb");
    if (!p->side)
      return dl_error(p->diag, "%s: cannot create side file for constants: %s", p->side_path,
                      strerror(errno));
  }
  static const unsigned char zeros[SIDE_FILE_ALIGNMENT];
  uint64_t padding =
      (SIDE_FILE_ALIGNMENT - p->side_offset % SIDE_FILE_ALIGNMENT) % SIDE_FILE_ALIGNMENT;
  if (fwrite(zeros, 1, padding, p->side) != padding || fwrite(data, 1, bytes, p->side) != bytes)
    return dl_error(p->diag, "%s: cannot write side file for constants", p->side_path);
  p->side_failed = false;
  *out_offset = p->side_offset + padding;
  p->side_offset = *out_offset + bytes;
  return 0;
}

/* `  const %c: TYPE = DATA` or, `keyword` "state", a state and its initial value. */
static void print_constant(printer *p, const ir_value *value, const char *keyword) {
  FILE *out = p->out;
  fprintf(out, "  %s ", keyword);
  print_typed_value(p, value);
  fputs(" = ", out);
  int64_t bytes = 0, count = 0;
  bool sized =
      ir_type_byte_size(&value->type, &bytes) && ir_type_element_count(&value->type, &count);
  if (!value->data || !sized) {
    fputs("elided\n", out);
    return;
  }
  if ((uint64_t)bytes <= p->inline_limit) {
    fputc('[', out);
    for (int64_t i = 0; i < count; i++) {
      if (i)
        fputs(", ", out);
      print_element(out, value->type.dtype, value->data, i);
    }
    fputs("]\n", out);
    return;
  }
  uint64_t offset = 0;
  if (p->elide_constants || !p->side_path ||
      write_side_data(p, value->data, (uint64_t)bytes, &offset) != 0) {
    if (p->side_path && !p->elide_constants)
      p->failed = 1;
    fputs("elided\n", out);
    return;
  }
  fputs("file ", out);
  print_quoted(out, p->side_ref);
  fprintf(out, " offset %" PRIu64 " size %" PRId64 "\n", offset, bytes);
}

static void print_attr(FILE *out, const ir_attr *attr) {
  print_name(out, attr->name);
  fprintf(out, ": %s = ", ir_attr_kind_name(attr->kind));
  switch (attr->kind) {
  case IR_ATTR_INT:
    fprintf(out, "%" PRId64, attr->as.i);
    break;
  case IR_ATTR_FLOAT:
    print_real(out, attr->as.f, 9);
    break;
  case IR_ATTR_STRING:
    print_quoted(out, attr->as.s);
    break;
  case IR_ATTR_DTYPE:
    fputs(ir_dtype_name(attr->as.dtype), out);
    break;
  case IR_ATTR_INTS:
  case IR_ATTR_FLOATS:
  case IR_ATTR_STRINGS:
    fputc('[', out);
    for (int i = 0; i < attr->count; i++) {
      if (i)
        fputs(", ", out);
      if (attr->kind == IR_ATTR_INTS)
        fprintf(out, "%" PRId64, attr->as.ints[i]);
      else if (attr->kind == IR_ATTR_FLOATS)
        print_real(out, attr->as.floats[i], 9);
      else
        print_quoted(out, attr->as.strings[i]);
    }
    fputc(']', out);
    break;
  }
}

static void print_indent(FILE *out, int indent) {
  for (int i = 0; i < indent; i++)
    fputs("  ", out);
}

static void print_region_body(printer *p, const ir_region *region, int indent);

/* `%a: t, %b: t = Op(%x, _) {k: int = 1} name "n" { region }` */
static void print_node(printer *p, const ir_node *node, int indent) {
  FILE *out = p->out;
  print_indent(out, indent);
  for (int i = 0; i < node->num_outputs; i++) {
    if (i)
      fputs(", ", out);
    print_typed_value(p, node->outputs[i]);
  }
  if (node->num_outputs)
    fputs(" = ", out);
  const char *op_name = ir_op_name(node->op);
  print_name(out, op_name ? op_name : "invalid");
  fputc('(', out);
  for (int i = 0; i < node->num_inputs; i++) {
    if (i)
      fputs(", ", out);
    if (node->inputs[i])
      print_value_ref(out, node->inputs[i]);
    else
      fputc('_', out);
  }
  fputc(')', out);
  if (node->num_attrs) {
    fputs(" {", out);
    for (int i = 0; i < node->num_attrs; i++) {
      if (i)
        fputs(", ", out);
      print_attr(out, &node->attrs[i]);
    }
    fputc('}', out);
  }
  /* The parser names an unnamed node "<Op>_<id>", ids in pre-order: print only other names. */
  char default_name[96];
  snprintf(default_name, sizeof(default_name), "%s_%d", op_name ? op_name : "invalid",
           p->nodes_printed++);
  if (!node->name || strcmp(node->name, default_name) != 0) {
    fputs(" name ", out);
    print_quoted(out, node->name);
  }
  if (node->body) {
    fputs(" {\n", out);
    print_indent(out, indent);
    fputs("^(", out);
    for (int i = 0; i < node->body->num_params; i++) {
      if (i)
        fputs(", ", out);
      print_typed_value(p, node->body->params[i]);
    }
    fputs("):\n", out);
    print_region_body(p, node->body, indent + 1);
    print_indent(out, indent);
    fputc('}', out);
  }
  fputc('\n', out);
}

static void print_region_body(printer *p, const ir_region *region, int indent) {
  for (const ir_node *node = region->first; node; node = node->next)
    print_node(p, node, indent);
  print_indent(p->out, indent);
  fputs("yield", p->out);
  for (int i = 0; i < region->num_results; i++) {
    fputs(i ? ", " : " ", p->out);
    print_value_ref(p->out, region->results[i]);
  }
  fputc('\n', p->out);
}

int ir_print_graph(const ir_graph *graph, FILE *out, const ir_print_options *options,
                   dl_diag *diag) {
  printer p = {.graph = graph, .out = out, .diag = diag, .inline_limit = DEFAULT_INLINE_LIMIT};
  if (options) {
    p.elide_constants = options->elide_constants;
    if (options->inline_limit_bytes)
      p.inline_limit = options->inline_limit_bytes;
    p.side_path = options->side_file_path;
    p.side_ref = options->side_file_ref ? options->side_file_ref : options->side_file_path;
  }
  fputs("dlir 1\ngraph ", out);
  print_quoted(out, graph->name);
  fputs(" {\n", out);
  for (int i = 0; i < graph->num_symbols; i++) {
    fputs("  symbol ", out);
    print_name(out, graph->symbols[i]);
    fputc('\n', out);
  }
  for (int i = 0; i < graph->body.num_params; i++) {
    fputs("  input ", out);
    print_typed_value(&p, graph->body.params[i]);
    fputc('\n', out);
  }
  for (int i = 0; i < graph->num_constants; i++)
    print_constant(&p, graph->constants[i], "const");
  for (int i = 0; i < graph->num_states; i++)
    print_constant(&p, graph->states[i], "state");
  for (int i = 0; i < graph->num_bound_inputs; i++) {
    fputs("  bind ", out);
    print_value_ref(out, graph->bound_inputs[i].input);
    fputs(" = ", out);
    print_value_ref(out, graph->bound_inputs[i].value);
    fputc('\n', out);
  }
  for (const ir_node *node = graph->body.first; node; node = node->next)
    print_node(&p, node, 1);
  for (int i = 0; i < graph->body.num_results; i++) {
    fputs("  output ", out);
    print_value_ref(out, graph->body.results[i]);
    fputc('\n', out);
  }
  for (int i = 0; i < graph->num_state_updates; i++) {
    fputs("  update ", out);
    print_value_ref(out, graph->state_updates[i].state);
    fputs(" = ", out);
    print_value_ref(out, graph->state_updates[i].value);
    fputc('\n', out);
  }
  fputs("}\n", out);
  if (p.side && fclose(p.side) != 0)
    p.failed = dl_error(diag, "%s: cannot write side file for constants", p.side_path);
  if (ferror(out))
    p.failed = dl_error(diag, "cannot write the text IR (disk full or closed stream?)");
  return p.failed ? -1 : 0;
}

char *ir_print_to_string(const ir_graph *graph, const ir_print_options *options, dl_diag *diag) {
  char *text = NULL;
  size_t length = 0;
  FILE *stream = open_memstream(&text, &length);
  if (!stream) {
    dl_error(diag, "out of memory while printing the text IR");
    return NULL;
  }
  int status = ir_print_graph(graph, stream, options, diag);
  if (fclose(stream) != 0 && status == 0)
    status = dl_error(diag, "out of memory while printing the text IR");
  if (status != 0) {
    free(text);
    return NULL;
  }
  return text;
}
