/* Shared helpers of the gradient-rule tests (test_autodiff_*.c): a forward graph written in
 * .dlir text gets loss = sum(y * W) (W fixed pseudo-random weights, y its first output), is
 * differentiated by dl_autodiff with respect to every graph input, compiled (-O1 pipeline and
 * materialize-outputs, then dl_compile_graph) and run on the host device; each gradient
 * element is compared with the central difference (loss(x + h) - loss(x - h)) / 2h computed
 * by the same program. DLCC_AUTODIFF_TEST_PRINT=1 prints the graphs and every comparison. */
#ifndef DLCC_TESTS_OPS_AUTODIFF_TEST_H
#define DLCC_TESTS_OPS_AUTODIFF_TEST_H

#include <math.h>
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
#include "ir/infer.h"
#include "ir/verify.h"
#include "op_harness.h"
#include "passes/autodiff/autodiff.h"
#include "passes/pass.h"

typedef struct grad_check {
  double low, high; /* inputs drawn uniformly from [low, high) */
  double step;      /* h, relative to max(1, |x|) */
  double rtol, atol;
  int opt_level; /* the pipeline before compiling: 0 stands for -O1 */
} grad_check;

/* f64 ops: h = 1e-6 leaves a truncation error near 1e-12 and a rounding error near
 * 1e-16 * |loss| / 1e-6 = 1e-10, far inside 1e-6. */
static const grad_check AD_F64 = {-2.0, 2.0, 1e-6, 1e-6, 1e-7, 1};
/* f32 ops (MatMul, Gemm, Conv and the f32-math activations have no f64 kernel): with
 * h = 1e-2 the rounding error of the loss (6e-8 * |loss| / h, |loss| ~ 10) is near 1e-4 and
 * the truncation error (h^2 f''' / 6) near 1e-4 for these smooth ops, inside 2e-3 + 1e-2 |g|. */
static const grad_check AD_F32 = {-2.0, 2.0, 1e-2, 1e-2, 2e-3, 1};

static inline void ad_print_diag(const dl_diag *diag) {
  for (int i = 0; i < diag->stored; i++)
    print_error("  %s\n", dl_diag_message(diag, i));
}

static inline uint32_t ad_next_random(uint32_t *seed) {
  *seed = *seed * 1664525u + 1013904223u;
  return *seed >> 8;
}

static inline double ad_uniform(uint32_t *seed, double low, double high) {
  return low + (high - low) * (double)ad_next_random(seed) / (double)(1u << 24);
}

static inline int64_t ad_count(const ir_type *type) {
  int64_t count = 1;
  assert_true(ir_type_element_count(type, &count));
  return count;
}

static inline ir_value *ad_test_node(ir_graph *graph, ir_op op, ir_value *a, ir_value *b) {
  ir_value *inputs[2] = {a, b};
  ir_node *node = ir_graph_add_node(graph, NULL, op, "loss", inputs, b ? 2 : 1, NULL, 1);
  assert_non_null(node);
  if (op == IR_OP_REDUCE_SUM)
    assert_int_equal(ir_node_set_int(graph, node, "keepdims", 0), 0);
  dl_diag diag;
  dl_diag_init(&diag);
  int status = ir_infer_node(graph, node, &diag);
  if (status != 0)
    ad_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
  return node->outputs[0];
}

/* The parsed graph of `text` (its first output is y). */
static inline ir_graph *ad_parse(const char *text) {
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_string(text, strlen(text), "autodiff.dlir", NULL, &diag);
  if (!graph)
    ad_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_non_null(graph);
  return graph;
}

/* Appends loss = ReduceSum(y * W) for the graph's first output y, W a new graph input (last,
 * so that gradients that do not depend on the other inputs are not folded to constants);
 * returns the loss and writes W's values (pseudo-random in [-1, 1)) to *out_weights. */
static inline ir_value *ad_append_loss(ir_graph *graph, void **out_weights) {
  ir_value *y = graph->body.results[0];
  int64_t count = ad_count(&y->type);
  void *weights = calloc((size_t)count, 8);
  uint32_t seed = 777;
  for (int64_t e = 0; e < count; e++)
    ir_element_set_float(y->type.dtype, weights, e, ad_uniform(&seed, -1.0, 1.0));
  ir_value *w = ir_graph_add_input(graph, "loss_weights", y->type);
  assert_non_null(w);
  if (out_weights)
    *out_weights = weights;
  else
    free(weights);
  return ad_test_node(graph, IR_OP_REDUCE_SUM, ad_test_node(graph, IR_OP_MUL, y, w), NULL);
}

/* Runs the -O`opt_level` pipeline and materialize-outputs, and compiles for the host device
 * (checked twins when the ops.sanitize.* tests run). */
static inline dl_compiled *ad_compile_at(ir_graph *graph, int opt_level) {
  dl_diag diag;
  dl_diag_init(&diag);
  dl_pipeline pipeline;
  dl_pipeline_options pipeline_options = {.verify_each = true};
  dl_compile_options options = {.host_twins = true,
                                .host_cpu = "native",
                                .opt_level = 0, /* LLVM -O0: compiling dominates these tests */
                                .sanitize = op_harness_sanitizing() != 0};
  dl_compiled *compiled = NULL;
  if (getenv("DLCC_AUTODIFF_TEST_PRINT")) /* the gradient graph before and after the passes */
    pipeline_options.print_ir_after = "all", pipeline_options.log = stderr;
  dl_pipeline outputs; /* as dlcc run and compile do: constant outputs get a buffer */
  if (ir_verify_graph(graph, &diag) == 0 &&
      dl_pipeline_for_level(opt_level, &pipeline, &diag) == 0 &&
      dl_pipeline_run(&pipeline, graph, &pipeline_options, &diag) == 0 &&
      dl_pipeline_parse("materialize-outputs", &outputs, &diag) == 0 &&
      dl_pipeline_run(&outputs, graph, &pipeline_options, &diag) == 0)
    compiled = dl_compile_graph(graph, &options, &diag);
  if (!compiled)
    ad_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_non_null(compiled);
  return compiled;
}

static inline dl_compiled *ad_compile(ir_graph *graph) { return ad_compile_at(graph, 1); }

typedef struct ad_runner {
  dlrt_model *model;
  const dlrt_program *program;
  void **outputs;
} ad_runner;

static inline void ad_runner_init(ad_runner *runner, const dl_compiled *compiled) {
  runner->program = dl_compiled_program(compiled);
  dlrt_options options;
  dlrt_options_init(&options);
  options.device = DLRT_DEVICE_HOST;
  options.host_threads = 1;
  options.sanitize = op_harness_sanitizing();
  assert_int_equal(dlrt_model_create(runner->program, &options, &runner->model), DLRT_STATUS_OK);
  runner->outputs = calloc(runner->program->output_count, sizeof(void *));
  for (uint32_t o = 0; o < runner->program->output_count; o++) {
    const dlrt_tensor_desc *desc = &runner->program->outputs[o];
    int64_t count = 1;
    for (uint32_t d = 0; d < desc->rank; d++)
      count *= desc->dims[d];
    runner->outputs[o] = calloc((size_t)count + 1, 8);
  }
}

static inline void ad_runner_run(ad_runner *runner, void *const *inputs) {
  assert_int_equal(dlrt_model_run(runner->model, (const void *const *)inputs, runner->outputs),
                   DLRT_STATUS_OK);
  if (op_harness_sanitizing())
    assert_int_equal(dlrt_model_sanitizer_reports(runner->model), 0);
}

static inline void ad_runner_deinit(ad_runner *runner) {
  for (uint32_t o = 0; o < runner->program->output_count; o++)
    free(runner->outputs[o]);
  free(runner->outputs);
  dlrt_model_destroy(runner->model);
}

/* Differentiates the graph of `text` by every input and checks each gradient element against
 * central differences. */
static inline void ad_check_gradients(const char *text, const grad_check *check) {
  ir_graph *graph = ad_parse(text);
  int num_inputs = graph->body.num_params;
  ir_value *wrt[16], *grads[16] = {0};
  assert_true(num_inputs > 0 && num_inputs < 16);
  for (int i = 0; i < num_inputs; i++)
    wrt[i] = graph->body.params[i];
  void *inputs[16];
  ir_value *loss = ad_append_loss(graph, &inputs[num_inputs]);
  dl_diag diag;
  dl_diag_init(&diag);
  int status = dl_autodiff(graph, loss, wrt, num_inputs, grads, &diag);
  if (status != 0)
    ad_print_diag(&diag);
  dl_diag_deinit(&diag);
  assert_int_equal(status, 0);
  assert_int_equal(ir_graph_add_output(graph, loss), 0);
  ir_type types[16];
  for (int i = 0; i < num_inputs; i++) {
    assert_true(ir_type_equal(&grads[i]->type, &wrt[i]->type));
    types[i] = wrt[i]->type;
    assert_int_equal(ir_graph_add_output(graph, grads[i]), 0);
  }
  int loss_output = graph->body.num_results - num_inputs - 1;
  ir_dtype loss_dtype = loss->type.dtype;
  dl_compiled *compiled = ad_compile_at(graph, check->opt_level ? check->opt_level : 1);
  ad_runner runner;
  ad_runner_init(&runner, compiled);
  uint32_t seed = 4242;
  for (int i = 0; i < num_inputs; i++) {
    int64_t count = ad_count(&types[i]);
    inputs[i] = calloc((size_t)count, 8);
    for (int64_t e = 0; e < count; e++)
      ir_element_set_float(types[i].dtype, inputs[i], e,
                           ad_uniform(&seed, check->low, check->high));
  }
  ad_runner_run(&runner, inputs);
  double *analytic[16];
  for (int i = 0; i < num_inputs; i++) { /* read before the runs below overwrite them */
    int64_t count = ad_count(&types[i]);
    analytic[i] = calloc((size_t)count, sizeof(double));
    for (int64_t e = 0; e < count; e++)
      analytic[i][e] = ir_element_get_float(types[i].dtype, runner.outputs[loss_output + 1 + i], e);
  }
  for (int i = 0; i < num_inputs; i++) {
    int64_t count = ad_count(&types[i]);
    for (int64_t e = 0; e < count; e++) {
      double x = ir_element_get_float(types[i].dtype, inputs[i], e);
      double h = check->step * fmax(1.0, fabs(x)), sides[2];
      for (int s = 0; s < 2; s++) {
        ir_element_set_float(types[i].dtype, inputs[i], e, s ? x - h : x + h);
        ad_runner_run(&runner, inputs);
        sides[s] = ir_element_get_float(loss_dtype, runner.outputs[loss_output], 0);
      }
      ir_element_set_float(types[i].dtype, inputs[i], e, x);
      double numeric = (sides[0] - sides[1]) / (2.0 * h), got = analytic[i][e];
      if (getenv("DLCC_AUTODIFF_TEST_PRINT"))
        fprintf(stderr, "%s[%lld] %.9g %.9g\n", wrt[i]->name, (long long)e, got, numeric);
      if (!(fabs(got - numeric) <= check->atol + check->rtol * fabs(numeric)))
        fail_msg("d loss / d %s[%lld]: autodiff %.9g, central difference %.9g in\n%s", wrt[i]->name,
                 (long long)e, got, numeric, text);
    }
    free(analytic[i]);
  }
  for (int i = 0; i <= num_inputs; i++)
    free(inputs[i]);
  ad_runner_deinit(&runner);
  dl_compiled_destroy(compiled);
  ir_graph_destroy(graph);
}

/* dl_autodiff on the graph of `text` (loss appended as above, by every input) fails with a
 * message holding both fragments. */
static inline void ad_check_refused(const char *text, const char *fragment_a,
                                    const char *fragment_b) {
  ir_graph *graph = ad_parse(text);
  int num_inputs = graph->body.num_params;
  ir_value *wrt[16], *grads[16];
  assert_true(num_inputs > 0 && num_inputs < 16);
  for (int i = 0; i < num_inputs; i++)
    wrt[i] = graph->body.params[i];
  ir_value *loss = ad_append_loss(graph, NULL);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_int_equal(dl_autodiff(graph, loss, wrt, num_inputs, grads, &diag), -1);
  bool found = false;
  for (int i = 0; i < diag.stored; i++) {
    const char *message = dl_diag_message(&diag, i);
    found = found || (strstr(message, fragment_a) && strstr(message, fragment_b));
  }
  if (!found)
    fail_msg("no error with '%s' and '%s' (first: %s)", fragment_a, fragment_b,
             diag.stored ? dl_diag_message(&diag, 0) : "none");
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

#endif
