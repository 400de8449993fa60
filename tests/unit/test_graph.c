/* Graph building: names, constants, nodes, attributes, regions, traversal, symbols. */
#include "test_infer_support.h"

static void test_values_and_names(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  assert_int_equal(x->kind, IR_VALUE_PARAM);
  assert_ptr_equal(x->region, &g->body);
  assert_null(ir_graph_add_input(g, "x", x->type)); /* name taken */
  ir_value *fresh = ir_graph_add_input(g, NULL, x->type);
  assert_string_equal(fresh->name, "v1");
  assert_ptr_equal(ir_graph_find_value(g, "x"), x);
  assert_null(ir_graph_find_value(g, "nope"));
  assert_string_equal(ir_graph_unique_name(g, "x"), "x.1");
  assert_string_equal(ir_graph_unique_name(g, "y"), "y");
  for (int i = 0; i < 200; i++) /* the name table grows */
    assert_non_null(ir_graph_add_input(g, ir_graph_unique_name(g, "many"), x->type));
  assert_non_null(ir_graph_find_value(g, "many.150"));
  assert_int_equal(g->num_values, 202);
}

static void test_constants(void **state) {
  ir_graph *g = *state;
  int64_t values[3] = {1, 2, 3};
  ir_value *copied = INTS(g, "c", 1, 2, 3);
  ir_value *borrowed = ir_graph_add_constant(g, "b", copied->type, values);
  values[0] = 9;
  assert_int_equal(ir_element_get_int(IR_DTYPE_I64, copied->data, 0), 1);
  assert_int_equal(ir_element_get_int(IR_DTYPE_I64, borrowed->data, 0), 9);
  assert_int_equal(g->num_constants, 2);
  assert_ptr_equal(g->constants[1], borrowed);
  assert_null(borrowed->producer);
}

static void test_nodes_attributes_and_uses(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *relu = node_of(g, IR_OP_RELU, 1, 1, x);
  assert_string_equal(relu->name, "Relu_0");
  assert_ptr_equal(relu->outputs[0]->producer, relu);
  ir_node *add = node_of(g, IR_OP_ADD, 1, 2, relu->outputs[0], relu->outputs[0]);
  ir_graph_add_output(g, add->outputs[0]);
  assert_int_equal(ir_value_use_count(g, relu->outputs[0]), 2);
  assert_int_equal(ir_value_use_count(g, add->outputs[0]), 1);
  assert_int_equal(ir_node_set_int(g, add, "axis", 1), 0);
  assert_int_equal(ir_node_set_ints(g, add, "perm", (const int64_t[]){1, 0}, 2), 0);
  assert_int_equal(ir_node_set_float(g, add, "axis", 2.5f), 0); /* replaces */
  assert_int_equal(add->num_attrs, 2);
  const ir_attr *axis = ir_node_attr(add, "axis");
  assert_int_equal(axis->kind, IR_ATTR_FLOAT);
  assert_true(axis->as.f == 2.5f);
  assert_int_equal(ir_node_attr(add, "perm")->as.ints[1], 0);
  assert_null(ir_node_attr(add, "missing"));
  assert_string_equal(ir_attr_kind_name(IR_ATTR_INTS), "ints");
}

static void test_regions_and_traversal(void **state) {
  ir_graph *g = *state;
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *a = ir_graph_add_node(g, NULL, IR_OP_RELU, "a", &x, 1, NULL, 1);
  ir_node *group = ir_graph_add_node(g, NULL, IR_OP_GROUP, "group", &x, 1, NULL, 1);
  ir_region *body = ir_node_create_body(g, group);
  assert_ptr_equal(ir_node_create_body(g, group), body);
  ir_value *param = ir_region_add_param(g, body, "p", x->type);
  ir_node *inner = ir_graph_add_node(g, body, IR_OP_EXP, "inner", &param, 1, NULL, 1);
  ir_region_add_result(g, body, inner->outputs[0]);
  ir_node *c = ir_graph_add_node(g, NULL, IR_OP_NEG, "c", &x, 1, NULL, 1);
  const char *expected[] = {"a", "group", "inner", "c"};
  int count = 0;
  for (ir_node *node = ir_graph_next_node(g, NULL); node; node = ir_graph_next_node(g, node))
    assert_string_equal(node->name, expected[count++]);
  assert_int_equal(count, 4);
  assert_int_equal(ir_value_use_count(g, inner->outputs[0]), 1); /* body result */
  ir_region_remove(&g->body, c);
  ir_region_insert_before(&g->body, a, c);
  assert_ptr_equal(g->body.first, c);
  assert_ptr_equal(c->next, a);
  assert_ptr_equal(g->body.last, group);
  assert_ptr_equal(c->parent, &g->body);
}

static void test_symbols_and_make_constant(void **state) {
  ir_graph *g = *state;
  assert_int_equal(ir_graph_symbol(g, "batch"), 0);
  assert_int_equal(ir_graph_symbol(g, "seq"), 1);
  assert_int_equal(ir_graph_symbol(g, "batch"), 0);
  assert_int_equal(g->num_symbols, 2);
  ir_value *x = input_of(g, "x", "f32[2]");
  ir_node *relu = node_of(g, IR_OP_RELU, 1, 1, x);
  ir_value *out = relu->outputs[0];
  static const float data[2] = {1, 2};
  assert_int_equal(ir_value_make_constant(g, out, data), 0);
  assert_int_equal(out->kind, IR_VALUE_CONSTANT);
  assert_null(out->producer);
  assert_ptr_equal(g->constants[g->num_constants - 1], out);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      GRAPH_TEST(test_values_and_names),          GRAPH_TEST(test_constants),
      GRAPH_TEST(test_nodes_attributes_and_uses), GRAPH_TEST(test_regions_and_traversal),
      GRAPH_TEST(test_symbols_and_make_constant),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
