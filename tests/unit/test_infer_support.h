/* Helpers for the inference, verifier and folding tests: types written as text
 * ("f32[N,3,224,224]"), constants, one-call node building and result checks. */
#ifndef DLCC_TEST_INFER_SUPPORT_H
#define DLCC_TEST_INFER_SUPPORT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "ir/infer.h"

/* Parses "f32[1,3,N]": dims are numbers or symbol names (registered in the graph). */
static inline ir_type type_of(ir_graph *graph, const char *text) {
  char dtype_name[16];
  int length = 0;
  while (text[length] && text[length] != '[' && length < 15) {
    dtype_name[length] = text[length];
    length++;
  }
  dtype_name[length] = '\0';
  ir_type type = {.dtype = ir_dtype_from_name(dtype_name)};
  assert_int_not_equal(type.dtype, IR_DTYPE_INVALID);
  const char *at = text + length + 1;
  while (*at && *at != ']') {
    char dim[32];
    int n = 0;
    while (*at && *at != ',' && *at != ']' && n < 31)
      dim[n++] = *at++;
    dim[n] = '\0';
    if (*at == ',')
      at++;
    if (dim[0] >= '0' && dim[0] <= '9')
      type.dims[type.rank++] = strtoll(dim, NULL, 10);
    else
      type.dims[type.rank++] = IR_DIM_SYMBOL(ir_graph_symbol(graph, dim));
  }
  return type;
}

static inline ir_value *input_of(ir_graph *graph, const char *name, const char *type) {
  ir_value *value = ir_graph_add_input(graph, name, type_of(graph, type));
  assert_non_null(value);
  return value;
}

/* A 1-D i64 constant (count >= 0), or a scalar when count is -1 (one value). */
static inline ir_value *ints_of(ir_graph *graph, const char *name, const int64_t *values,
                                int count) {
  int64_t length = count;
  ir_type type = count < 0 ? ir_type_scalar(IR_DTYPE_I64) : ir_type_make(IR_DTYPE_I64, 1, &length);
  ir_value *value = ir_graph_add_constant_copy(graph, name, type, values);
  assert_non_null(value);
  return value;
}
#define INTS(graph, name, ...)                                                                     \
  ints_of(graph, name, (const int64_t[]){__VA_ARGS__},                                             \
          (int)(sizeof((const int64_t[]){__VA_ARGS__}) / sizeof(int64_t)))

static inline ir_node *node_of(ir_graph *graph, ir_op op, int num_outputs, int num_inputs, ...) {
  ir_value *inputs[16];
  va_list args;
  va_start(args, num_inputs);
  for (int i = 0; i < num_inputs; i++)
    inputs[i] = va_arg(args, ir_value *);
  va_end(args);
  ir_node *node = ir_graph_add_node(graph, NULL, op, NULL, inputs, num_inputs, NULL, num_outputs);
  assert_non_null(node);
  return node;
}

/* Runs inference on `node` and checks output `index` formats as `expected`. */
static inline void expect_output(ir_graph *graph, ir_node *node, int index, const char *expected) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(graph, node, &diag);
  if (status != 0)
    fprintf(stderr, "unexpected error: %s\n", dl_diag_message(&diag, 0));
  assert_int_equal(status, 0);
  assert_int_equal(diag.count, 0);
  char text[160];
  ir_format_type(graph, &node->outputs[index]->type, text, sizeof(text));
  assert_string_equal(text, expected);
  dl_diag_deinit(&diag);
}

/* Runs inference on `node` and checks it fails with a message containing `fragment`. */
static inline void expect_infer_error(ir_graph *graph, ir_node *node, const char *fragment) {
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(ir_infer_node(graph, node, &diag), -1);
  assert_true(diag.count >= 1);
  const char *message = dl_diag_message(&diag, 0);
  if (!strstr(message, fragment))
    fprintf(stderr, "message '%s' lacks '%s'\n", message, fragment);
  assert_non_null(strstr(message, fragment));
  /* Every message names the node and its op. */
  assert_non_null(strstr(message, node->name));
  assert_non_null(strstr(message, ir_op_name(node->op)));
  dl_diag_deinit(&diag);
}

static inline int graph_setup(void **state) {
  *state = ir_graph_create("test");
  return *state ? 0 : -1;
}

static inline int graph_teardown(void **state) {
  ir_graph_destroy(*state);
  return 0;
}

#define GRAPH_TEST(f) cmocka_unit_test_setup_teardown(f, graph_setup, graph_teardown)

#endif
