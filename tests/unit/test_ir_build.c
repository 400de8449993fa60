/* The node builder (ir/build.h): names in both naming modes, given output names, NULL inputs
 * as earlier failures, and failures that stick. */
#include "test_infer_support.h"

#include "ir/build.h"

static void test_names_by_op(void **state) {
  ir_graph *g = *state;
  dl_diag diag;
  dl_diag_init(&diag);
  ir_builder b = {.graph = g, .base = "loss", .diag = &diag, .op_names = true};
  ir_value *x = input_of(g, "x", "f32[2]"), *y = input_of(g, "y", "f32[2]");
  ir_value *first = ir_build_op(&b, IR_OP_SUB, x, y);
  ir_value *second = ir_build_op(&b, IR_OP_SUB, first, y);
  assert_non_null(second);
  assert_string_equal(first->name, "loss/Sub");
  assert_string_equal(second->name, "loss/Sub.1");
  assert_string_equal(second->producer->name, "loss/Sub.1");
  int64_t dims[1] = {2};
  assert_string_equal(ir_build_ints(&b, dims, 1)->name, "loss/shape");
  assert_string_equal(ir_build_scalar(&b, IR_DTYPE_F32, 1.0)->name, "loss/constant");
  ir_value *scaled = ir_build_scaled_add(&b, 2.0, x, NULL);
  assert_string_equal(scaled->name, "loss/Mul");
  assert_int_equal(scaled->type.rank, 1);
  assert_int_equal(diag.count, 0);
  dl_diag_deinit(&diag);
}

static void test_plain_names_and_given_output(void **state) {
  ir_graph *g = *state;
  dl_diag diag;
  dl_diag_init(&diag);
  ir_builder b = {.graph = g, .base = "n/grad", .diag = &diag, .constant_base = "n/grad.const"};
  ir_value *x = input_of(g, "x", "f32[2,3]");
  ir_value *neg = ir_build_op(&b, IR_OP_NEG, x, NULL);
  assert_string_equal(neg->name, "n/grad");
  assert_string_equal(ir_build_op(&b, IR_OP_NEG, neg, NULL)->name, "n/grad.1");
  assert_string_equal(ir_build_scalar(&b, IR_DTYPE_F32, 0.0)->name, "n/grad.const");
  const int64_t perm[2] = {1, 0};
  ir_value *t = ir_build_transpose(&b, x, perm, 2);
  assert_int_equal(t->type.dims[0], 3);
  /* A cast to the dtype it has is x itself, unless the output must carry a name. */
  assert_ptr_equal(ir_build_cast(&b, x, IR_DTYPE_F32), x);
  ir_builder named = b;
  named.output = "y";
  ir_value *y = ir_build_cast(&named, x, IR_DTYPE_F32);
  assert_ptr_not_equal(y, x);
  assert_string_equal(y->name, "y");
  /* Several outputs: the node is named from the base, its outputs by the graph. */
  int64_t sizes[2] = {1, 1};
  ir_value *split_inputs[2] = {x, ir_build_ints(&b, sizes, 2)};
  ir_node *split = ir_build_start_outputs(&b, IR_OP_SPLIT, split_inputs, 2, 2);
  assert_string_equal(split->name, "n/grad");
  assert_non_null(ir_build_finish(&b, split));
  assert_int_equal(split->outputs[1]->type.dims[0], 1);
  assert_int_equal(diag.count, 0);
  dl_diag_deinit(&diag);
}

static void test_null_input_and_sticky_failure(void **state) {
  ir_graph *g = *state;
  dl_diag diag;
  dl_diag_init(&diag);
  ir_builder b = {.graph = g, .base = "clip", .diag = &diag, .op_names = true};
  ir_value *x = input_of(g, "x", "f32[2]"), *z = input_of(g, "z", "f32[3]");
  /* A NULL input is an earlier failure: nothing built, nothing said, the builder still works. */
  assert_null(ir_build_op(&b, IR_OP_ADD, NULL, x));
  assert_null(ir_build_where(&b, NULL, x, x));
  assert_false(b.failed);
  assert_int_equal(diag.count, 0);
  /* A node inference refuses fails the builder: later calls build nothing. */
  assert_null(ir_build_op(&b, IR_OP_ADD, x, z));
  assert_true(b.failed);
  int messages = diag.count;
  assert_true(messages > 0);
  assert_null(ir_build_op(&b, IR_OP_NEG, x, NULL));
  assert_null(ir_build_scalar(&b, IR_DTYPE_F32, 1.0));
  assert_int_equal(diag.count, messages);
  /* The builder's own failures read "<base>: <message>" without a report hook. */
  ir_builder fresh = {.graph = g, .base = "lr", .diag = &diag};
  assert_null(ir_build_fail(&fresh, "out of memory"));
  assert_true(fresh.failed);
  assert_string_equal(dl_diag_message(&diag, diag.count - 1), "lr: out of memory");
  dl_diag_deinit(&diag);
}

int main(void) {
  const struct CMUnitTest tests[] = {GRAPH_TEST(test_names_by_op),
                                     GRAPH_TEST(test_plain_names_and_given_output),
                                     GRAPH_TEST(test_null_input_and_sticky_failure)};
  return cmocka_run_group_tests(tests, NULL, NULL);
}
