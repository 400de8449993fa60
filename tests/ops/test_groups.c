/* dl.group lowering: each hand-written group in tests/ops/groups/ compiles to one launch and
 * runs on the host device to the same outputs as the graph without the group (NAME.flat.dlir);
 * with $DLCC_OP_SANITIZE (ops.sanitize.test_groups) both run under the sanitizer, with no
 * report. Groups no root can take are refused with an error naming the group. (Their PTX goes
 * through ptxas for sm_75, sm_80 and sm_90 in script.test_compile_ptx.) */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "frontend/text/text_parse.h"
#include "op_harness.h"

static const char *const GROUPS_DIR = DLCC_SOURCE_DIR "/tests/ops/groups/";

static dl_compiled *compile_file(const char *name, const char *suffix) {
  char path[512];
  snprintf(path, sizeof path, "%s%s%s", GROUPS_DIR, name, suffix);
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_file(path, &diag);
  /* ops.sanitize.test_groups: checked twins, run under the sanitizer (run below) */
  dl_compile_options options = {.host_twins = true,
                                .host_cpu = "native",
                                .opt_level = 2,
                                .sanitize = op_harness_sanitizing()};
  dl_compiled *compiled = graph ? dl_compile_graph(graph, &options, &diag) : NULL;
  for (int i = 0; !compiled && i < diag.stored; i++)
    fprintf(stderr, "%s: %s\n", path, dl_diag_message(&diag, i));
  assert_non_null(compiled);
  ir_graph_destroy(graph); /* the program keeps what it needs */
  dl_diag_deinit(&diag);
  return compiled;
}

static int64_t element_count(const dlrt_tensor_desc *desc) {
  int64_t count = 1;
  for (uint32_t d = 0; d < desc->rank; d++)
    count *= desc->dims[d];
  return count;
}

/* Runs `program` on the host device with f32 inputs `inputs`; returns malloc'ed outputs. */
static float **run(const dlrt_program *program, float *const *inputs) {
  dlrt_options options;
  dlrt_options_init(&options);
  options.device = DLRT_DEVICE_HOST;
  options.host_threads = 2;
  options.sanitize = op_harness_sanitizing();
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(program, &options, &model), DLRT_STATUS_OK);
  float **outputs = calloc(program->output_count, sizeof(float *));
  for (uint32_t o = 0; o < program->output_count; o++)
    outputs[o] = calloc((size_t)element_count(&program->outputs[o]), sizeof(float));
  assert_int_equal(dlrt_model_run(model, (const void *const *)inputs, (void *const *)outputs),
                   DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_sanitizer_reports(model), 0);
  dlrt_model_destroy(model);
  return outputs;
}

/* Compiles NAME.dlir (one launch) and NAME.flat.dlir, runs both on the same inputs and
 * requires the same bits: fused kernels round each intermediate to its dtype like the unfused
 * ones, and each root accumulates in the same order with or without a group. */
static void check_group(const char *name) {
  dl_compiled *grouped = compile_file(name, ".dlir");
  dl_compiled *flat = compile_file(name, ".flat.dlir");
  assert_int_equal(dl_compiled_stats(grouped)->launch_count, 1);
  assert_true(dl_compiled_stats(flat)->launch_count > 1);
  const dlrt_program *program = dl_compiled_program(grouped);
  const dlrt_program *reference = dl_compiled_program(flat);
  assert_int_equal(program->input_count, reference->input_count);
  assert_int_equal(program->output_count, reference->output_count);
  float **inputs = calloc(program->input_count, sizeof(float *));
  uint32_t seed = 12345;
  for (uint32_t i = 0; i < program->input_count; i++) {
    assert_int_equal(program->inputs[i].dtype, DLRT_DTYPE_F32);
    int64_t count = element_count(&program->inputs[i]);
    inputs[i] = calloc((size_t)count, sizeof(float));
    for (int64_t e = 0; e < count; e++) { /* deterministic values in [-2, 2) */
      seed = seed * 1664525u + 1013904223u;
      inputs[i][e] = (float)(seed >> 8) / (float)(1u << 24) * 4.0f - 2.0f;
    }
  }
  float **got = run(program, inputs), **want = run(reference, inputs);
  for (uint32_t o = 0; o < program->output_count; o++) {
    int64_t count = element_count(&program->outputs[o]);
    for (int64_t e = 0; e < count; e++) {
      float a = got[o][e], b = want[o][e];
      if (a != a) /* every case has finite outputs: a NaN would compare equal to itself */
        fail_msg("%s output %u element %lld is NaN", name, o, (long long)e);
      if (memcmp(&a, &b, sizeof a) != 0)
        fail_msg("%s output %u element %lld: %.9g, unfused %.9g (not bit-exact)", name, o,
                 (long long)e, a, b);
    }
    free(got[o]);
    free(want[o]);
  }
  for (uint32_t i = 0; i < program->input_count; i++)
    free(inputs[i]);
  free(inputs);
  free(got);
  free(want);
  dl_compiled_destroy(grouped);
  dl_compiled_destroy(flat);
}

static void test_group(void **state) { check_group(*state); }

/* `text` fails to compile with a message holding each of the fragments. */
static void check_refused(const char *text, const char *fragment_a, const char *fragment_b) {
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_string(text, strlen(text), "refused.dlir", NULL, &diag);
  assert_non_null(graph);
  dl_compile_options options = {.host_twins = false, .opt_level = 1};
  assert_null(dl_compile_graph(graph, &options, &diag));
  bool found = false;
  for (int i = 0; i < diag.stored; i++) {
    const char *message = dl_diag_message(&diag, i);
    found = found || (strstr(message, fragment_a) && strstr(message, fragment_b));
  }
  if (!found)
    fail_msg("no error with '%s' and '%s' (first: %s)", fragment_a, fragment_b,
             diag.stored ? dl_diag_message(&diag, 0) : "none");
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

static void test_two_roots_refused(void **state) {
  (void)state;
  check_refused("dlir 1\n"
                "graph \"g\" {\n"
                "  input %a: f32[4,4]\n"
                "  %y: f32[4,4] = dl.group(%a) name \"two_matmuls\" {\n"
                "  ^(%p: f32[4,4]):\n"
                "    %m: f32[4,4] = MatMul(%p, %p) name \"first\"\n"
                "    %n: f32[4,4] = MatMul(%m, %p) name \"second\"\n"
                "    yield %n\n"
                "  }\n"
                "  output %y\n"
                "}\n",
                "group 'two_matmuls' has two roots", "MatMul 'second'");
}

static void test_softmax_epilogue_refused(void **state) {
  (void)state;
  check_refused("dlir 1\n"
                "graph \"g\" {\n"
                "  input %a: f32[4,8]\n"
                "  %y: f32[4,8] = dl.group(%a) name \"softmax_relu\" {\n"
                "  ^(%p: f32[4,8]):\n"
                "    %s: f32[4,8] = Softmax(%p) name \"sm\"\n"
                "    %r: f32[4,8] = Relu(%s)\n"
                "    yield %r\n"
                "  }\n"
                "  output %y\n"
                "}\n",
                "group 'softmax_relu'", "Softmax 'sm' has no prologue/epilogue hooks");
}

static void test_result_shape_refused(void **state) {
  (void)state;
  check_refused("dlir 1\n"
                "graph \"g\" {\n"
                "  input %a: f32[4,8]\n"
                "  input %b: f32[8]\n"
                "  %x: f32[8], %y: f32[4,8] = dl.group(%a, %b) name \"mixed\" {\n"
                "  ^(%p: f32[4,8], %q: f32[8]):\n"
                "    %n: f32[8] = Neg(%q)\n"
                "    %s: f32[4,8] = Add(%p, %n)\n"
                "    yield %n, %s\n"
                "  }\n"
                "  output %x\n"
                "  output %y\n"
                "}\n",
                "group 'mixed' yields 's' of another shape than its first result",
                "writes every result at the same elements");
}

static void test_two_orders_refused(void **state) {
  (void)state;
  check_refused("dlir 1\n"
                "graph \"g\" {\n"
                "  input %a: f32[4,4]\n"
                "  %y: f32[4,4] = dl.group(%a) name \"flip_add\" {\n"
                "  ^(%p: f32[4,4]):\n"
                "    %m: f32[4,4] = MatMul(%p, %p)\n"
                "    %t: f32[4,4] = Transpose(%m)\n"
                "    %s: f32[4,4] = Add(%t, %m) name \"mixed\"\n"
                "    yield %s\n"
                "  }\n"
                "  output %y\n"
                "}\n",
                "group 'flip_add': Add 'mixed' combines elements of the root's output in two "
                "orders",
                "no one index to store them at");
}

/* A same-shaped Slice that reverses an axis reads the root's output out of order: an
 * epilogue stores each root element once, so it cannot follow the root. */
static void test_reordering_view_after_root_refused(void **state) {
  (void)state;
  check_refused("dlir 1\n"
                "graph \"g\" {\n"
                "  input %a: f32[4,4]\n"
                "  const %starts: i64[1] = [-1]\n"
                "  const %ends: i64[1] = [-5]\n"
                "  const %axes: i64[1] = [1]\n"
                "  const %steps: i64[1] = [-1]\n"
                "  %y: f32[4,4] = dl.group(%a) name \"mm_reverse\" {\n"
                "  ^(%p: f32[4,4]):\n"
                "    %m: f32[4,4] = MatMul(%p, %p)\n"
                "    %r: f32[4,4] = Slice(%m, %starts, %ends, %axes, %steps) name \"reverse\"\n"
                "    %n: f32[4,4] = Neg(%r)\n"
                "    yield %n\n"
                "  }\n"
                "  output %y\n"
                "}\n",
                "group 'mm_reverse': Slice 'reverse' follows the root but does not place each "
                "element",
                "no one index to store them at");
}

int main(void) {
  const struct CMUnitTest tests[] = {
      /* Conv + bias + Relu + residual Add (implicit GEMM root) */
      cmocka_unit_test_prestate(test_group, "conv_bias_relu_add"),
      /* depthwise Conv with its bias input, then Relu (direct kernel root) */
      cmocka_unit_test_prestate(test_group, "depthwise_bias_relu"),
      /* ConvTranspose (strides, pads, groups, bias) + Relu + residual Add */
      cmocka_unit_test_prestate(test_group, "conv_transpose_relu_add"),
      /* ConvTranspose reading its input through a Where prologue (a mask of other inputs) */
      cmocka_unit_test_prestate(test_group, "conv_transpose_prologue"),
      /* DeformConv with offsets, mask and bias, then Relu */
      cmocka_unit_test_prestate(test_group, "deform_conv_relu"),
      /* MatMul + bias + GELU in its Erf form */
      cmocka_unit_test_prestate(test_group, "matmul_bias_gelu"),
      /* Gemm + bias stored through a Reshape, Squeeze and Transpose before a residual Add
       * and Relu, with a second result in the Gemm's own order */
      cmocka_unit_test_prestate(test_group, "gemm_reshape_transpose_add"),
      /* Gemm with a constant transB weight its epilogue also reads (stored, not packed) */
      cmocka_unit_test_prestate(test_group, "gemm_weight_epilogue"),
      /* 8 broadcasting pointwise ops through f16, two results */
      cmocka_unit_test_prestate(test_group, "pointwise_chain"),
      /* a strided Slice read as indexing by MatMul's A loader */
      cmocka_unit_test_prestate(test_group, "slice_matmul"),
      /* a reversing Slice and a negative start in a pointwise kernel */
      cmocka_unit_test_prestate(test_group, "slice_reverse_mul"),
      /* a Transpose read as indexing by MatMul's A loader */
      cmocka_unit_test_prestate(test_group, "transpose_matmul"),
      /* Attention reading Q, K and V through Slices, Reshapes and Transposes */
      cmocka_unit_test_prestate(test_group, "attention_heads"),
      /* ReduceMean with a Mul(x, x) prologue and a Sqrt epilogue */
      cmocka_unit_test_prestate(test_group, "square_mean_sqrt"),
      /* ReduceSum over rows a multiple of 4 long (read 4 elements a step) with a prologue */
      cmocka_unit_test_prestate(test_group, "reduce_rows_vector_prologue"),
      /* GlobalAveragePool with a Relu prologue and a Sigmoid epilogue */
      cmocka_unit_test_prestate(test_group, "relu_global_pool"),
      /* Transpose and Reshape read as indexing around a broadcast Add (no root) */
      cmocka_unit_test_prestate(test_group, "transpose_reshape_exp"),
      /* BatchNormalization's [C] parameters mapped along axis 1, then Relu */
      cmocka_unit_test_prestate(test_group, "batchnorm_relu"),
      /* every root with a prologue on each of its data inputs (the audit of roots reading
       * their inputs through the group's loaders, not their own parameters; test_group_coverage
       * checks that every root op and input has a case) */
      cmocka_unit_test_prestate(test_group, "argmax_prologue"),
      cmocka_unit_test_prestate(test_group, "global_max_pool_prologue"),
      cmocka_unit_test_prestate(test_group, "reduce_columns_prologue"),
      cmocka_unit_test_prestate(test_group, "gemm_prologues"),
      cmocka_unit_test_prestate(test_group, "matmul_prologues"),
      cmocka_unit_test_prestate(test_group, "conv_prologues"),
      cmocka_unit_test_prestate(test_group, "conv_direct_prologues"),
      cmocka_unit_test_prestate(test_group, "conv_transpose_prologues"),
      cmocka_unit_test_prestate(test_group, "deform_conv_prologues"),
      cmocka_unit_test_prestate(test_group, "attention_mask_prologue"),
      cmocka_unit_test_prestate(test_group, "attention_cache_prologues"),
      /* MatMul reading int4 and float8 constants through Cast prologues */
      cmocka_unit_test_prestate(test_group, "small_type_weights"),
      /* a graph input and a constant tensor read inside the group, not through its inputs */
      cmocka_unit_test_prestate(test_group, "outer_values"),
      /* Sum of 20 group inputs: 21 kernel parameters */
      cmocka_unit_test_prestate(test_group, "sum20"),
      cmocka_unit_test(test_two_roots_refused),
      cmocka_unit_test(test_softmax_epilogue_refused),
      cmocka_unit_test(test_result_shape_refused),
      cmocka_unit_test(test_two_orders_refused),
      cmocka_unit_test(test_reordering_view_after_root_refused),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
