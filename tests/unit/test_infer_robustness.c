/* Inference, folding and verification of every op on many random, mostly invalid nodes:
 * each call must return 0 with valid output types, or -1 with a message naming the node.
 * (Run under ASan/UBSan in the sanitizer build to also catch memory errors.) */
#include "ir/fold.h"
#include "ir/verify.h"
#include "test_infer_support.h"

static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t next_random(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return rng_state;
}

static int64_t random_below(int64_t bound) { return (int64_t)(next_random() % (uint64_t)bound); }

/* Mostly small dims, sometimes 0, symbolic or absurd. */
static int64_t random_dim(ir_graph *g) {
  switch (random_below(12)) {
  case 0:
    return 0;
  case 1:
    return IR_DIM_SYMBOL(ir_graph_symbol(g, random_below(2) ? "N" : "M"));
  case 2:
    return (int64_t)1 << (40 + random_below(23));
  default:
    return 1 + random_below(6);
  }
}

static int64_t random_int(void) {
  static const int64_t SPECIAL[] = {0, 1, -1, 2, -2, 3, INT64_MAX, INT64_MIN, 1 << 20, 7};
  return SPECIAL[random_below(10)];
}

static ir_value *random_value(ir_graph *g) {
  static const ir_dtype DTYPES[] = {IR_DTYPE_F32,  IR_DTYPE_F32, IR_DTYPE_I64, IR_DTYPE_I32,
                                    IR_DTYPE_BOOL, IR_DTYPE_F16, IR_DTYPE_U8};
  ir_type type = {.dtype = DTYPES[random_below(7)], .rank = (int)random_below(6)};
  for (int i = 0; i < type.rank; i++)
    type.dims[i] = random_dim(g);
  if (random_below(2)) {
    /* A small integer constant, the kind shape inputs are. */
    int64_t count = random_below(5), data[8];
    for (int i = 0; i < 8; i++) /* a scalar reads data[0] even when count is 0 */
      data[i] = random_int();
    type = random_below(4) ? ir_type_make(IR_DTYPE_I64, 1, &count) : ir_type_scalar(IR_DTYPE_I64);
    return ir_graph_add_constant_copy(g, NULL, type, data);
  }
  return ir_graph_add_input(g, NULL, type);
}

static void add_random_attributes(ir_graph *g, ir_node *node) {
  static const char *const NAMES[] = {"axis",      "perm",        "kernel_shape", "strides",
                                      "pads",      "dilations",   "group",        "auto_pad",
                                      "ceil_mode", "keepdims",    "to",           "transA",
                                      "start",     "num_outputs", "value",        "mode"};
  int count = (int)random_below(5);
  for (int i = 0; i < count; i++) {
    const char *name = NAMES[random_below(16)];
    int64_t list[8];
    int length = (int)random_below(9);
    for (int k = 0; k < length; k++)
      list[k] = random_below(3) ? random_below(5) : random_int();
    switch (random_below(5)) {
    case 0:
      ir_node_set_int(g, node, name, random_int());
      break;
    case 1:
      ir_node_set_ints(g, node, name, list, length);
      break;
    case 2:
      ir_node_set_string(g, node, name, random_below(2) ? "SAME_UPPER" : "bogus");
      break;
    case 3:
      ir_node_set_float(g, node, name, 0.5f);
      break;
    default:
      ir_node_set_dtype(g, node, name, (ir_dtype)(1 + random_below(IR_DTYPE_COUNT - 1)));
    }
  }
}

static int inferred_count, folded_count, failed_count;

static void check_one(ir_graph *g, ir_node *node) {
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(g, node, &diag);
  assert_true(status == 0 || status == -1);
  if (status != 0) {
    failed_count++;
    assert_true(diag.count >= 1);
    assert_non_null(strstr(dl_diag_message(&diag, 0), node->name));
  } else {
    inferred_count++;
    for (int i = 0; i < node->num_outputs; i++) {
      const ir_type *type = &node->outputs[i]->type;
      int64_t bytes;
      assert_true(type->dtype > IR_DTYPE_INVALID && type->dtype < IR_DTYPE_COUNT);
      assert_true(type->rank >= 0 && type->rank <= IR_MAX_RANK);
      if (ir_type_is_static(type) && !ir_type_byte_size(type, &bytes))
        fail_msg("%s output %d", ir_op_name(node->op), i);
    }
    bool folded;
    int fold_status = ir_fold_node(g, node, &folded, &diag);
    assert_true(fold_status == 0 || fold_status == -1);
    folded_count += folded;
  }
  dl_diag_deinit(&diag);
}

static void test_every_op_on_random_nodes(void **state) {
  for (int round = 0; round < 40; round++) {
    ir_graph *g = ir_graph_create("random");
    for (int op = 1; op < IR_OP_COUNT; op++) {
      if (op == IR_OP_GROUP)
        continue;
      const ir_op_info *info = ir_op_get((ir_op)op);
      for (int trial = 0; trial < 6; trial++) {
        ir_value *inputs[6];
        int max_inputs = info->max_inputs < 5 ? info->max_inputs : 5;
        int num_inputs = info->min_inputs + (int)random_below(max_inputs - info->min_inputs + 1);
        for (int i = 0; i < num_inputs; i++)
          inputs[i] = random_value(g);
        int max_outputs = info->max_outputs < 4 ? info->max_outputs : 4;
        int num_outputs =
            info->min_outputs + (int)random_below(max_outputs - info->min_outputs + 1);
        ir_node *node =
            ir_graph_add_node(g, NULL, (ir_op)op, NULL, inputs, num_inputs, NULL, num_outputs);
        assert_non_null(node);
        add_random_attributes(g, node);
        check_one(g, node);
      }
    }
    /* The verifier must survive whatever is left, reporting rather than crashing. */
    dl_diag diag;
    dl_diag_init(&diag);
    int status = ir_verify_graph(g, &diag);
    assert_true(status == 0 || (status == -1 && diag.count > 0));
    dl_diag_deinit(&diag);
    ir_graph_destroy(g);
  }
  /* The random nodes must reach past the first checks often enough to mean something. */
  print_message("inferred %d, folded %d, rejected %d\n", inferred_count, folded_count,
                failed_count);
  assert_true(inferred_count > 200);
  assert_true(folded_count > 20);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_op_on_random_nodes),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
