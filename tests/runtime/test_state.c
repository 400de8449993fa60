/* States end to end: .dlir text with states and updates, compiled by dlcc (host twins and
 * PTX), run through libdlrt on the host device and on the cuda device against the fake
 * driver. A counter counts from run to run, a swap of two states swaps them, get/set/save/
 * load move states in and out, and a corrupt, truncated or foreign checkpoint is refused
 * with the model's states untouched. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "fakecuda.h"
#include "frontend/text/text_parse.h"
#include "ir/verify.h"
#include "passes/pass.h"

static const char COUNTER[] = "dlir 1\n"
                              "graph \"counter\" {\n"
                              "  const %one: f32[] = [1]\n"
                              "  state %n: f32[] = [0]\n"
                              "  %n2: f32[] = Add(%n, %one)\n"
                              "  output %n\n"
                              "  update %n = %n2\n"
                              "}\n";

/* The same model name with a state of another shape: its checkpoints must not load. */
static const char COUNTER_PAIR[] = "dlir 1\n"
                                   "graph \"counter\" {\n"
                                   "  const %one: f32[] = [1]\n"
                                   "  state %n: f32[2] = [0, 0]\n"
                                   "  %n2: f32[2] = Add(%n, %one)\n"
                                   "  output %n2\n"
                                   "  update %n = %n2\n"
                                   "}\n";

/* a' = b, b' = a: each end-of-run copy must read the value from the start of the run. */
static const char SWAP[] = "dlir 1\n"
                           "graph \"swap\" {\n"
                           "  input %x: f32[2]\n"
                           "  state %a: f32[2] = [1, 2]\n"
                           "  state %b: f32[2] = [3, 4]\n"
                           "  %y: f32[2] = Add(%x, %a)\n"
                           "  output %y\n"
                           "  update %a = %b\n"
                           "  update %b = %a\n"
                           "}\n";

typedef struct compiled_model {
  ir_graph *graph;
  dl_compiled *compiled;
} compiled_model;

static void compile_text(const char *text, const char *name, compiled_model *out) {
  dl_diag diag;
  dl_diag_init(&diag);
  dl_pipeline pipeline;
  out->graph = dl_text_parse_string(text, strlen(text), name, NULL, &diag);
  int status = out->graph ? dl_pipeline_for_level(2, &pipeline, &diag) : -1;
  if (status == 0)
    status = dl_pipeline_run(&pipeline, out->graph, NULL, &diag);
  if (status == 0)
    status = dl_pass_materialize_outputs(out->graph, &diag);
  if (status == 0)
    status = dl_pass_plan_memory(out->graph, &diag);
  if (status == 0)
    status = ir_verify_graph(out->graph, &diag);
  static const char *const targets[] = {"sm_80"};
  dl_compile_options options = {.name = name,
                                .ptx_targets = targets,
                                .num_ptx_targets = 1,
                                .host_twins = true,
                                .opt_level = 2,
                                .sanitize = true}; /* checked twins, run unchecked too */
  if (status == 0)
    out->compiled = dl_compile_graph(out->graph, &options, &diag);
  if (!out->compiled)
    dl_diag_print(&diag, stderr);
  dl_diag_deinit(&diag);
  assert_non_null(out->compiled);
}

static void release(compiled_model *model) {
  dl_compiled_destroy(model->compiled);
  ir_graph_destroy(model->graph);
}

static const dlrt_options host_options = {.device = DLRT_DEVICE_HOST, .host_threads = 2};
static const dlrt_options sanitize_options = {.device = DLRT_DEVICE_HOST, .sanitize = 1};
static const dlrt_options cuda_options = {.device = DLRT_DEVICE_CUDA};

static dlrt_model *create(const compiled_model *compiled, const dlrt_options *options) {
  dlrt_model *model = NULL;
  int status = dlrt_model_create(dl_compiled_program(compiled->compiled), options, &model);
  if (status)
    fprintf(stderr, "%s\n", dlrt_last_error());
  assert_int_equal(status, DLRT_STATUS_OK);
  return model;
}

static float run_counter(dlrt_model *model) {
  float out = -1;
  void *outputs[] = {&out};
  assert_int_equal(dlrt_model_run(model, NULL, outputs), DLRT_STATUS_OK);
  return out;
}

static float counter_state(dlrt_model *model) {
  float n = -1;
  assert_int_equal(dlrt_model_get_state(model, 0, &n), DLRT_STATUS_OK);
  return n;
}

static int fake_setup(void **state) {
  (void)state;
  setenv("DLRT_LIBCUDA", FAKECUDA_PATH, 1);
  fakecuda_set_device_count(1);
  fakecuda_set_sm_version(80);
  fakecuda_reset();
  return 0;
}

static void counter_counts(const dlrt_options *options) {
  compiled_model compiled;
  compile_text(COUNTER, "counter", &compiled);
  const dlrt_program *program = dl_compiled_program(compiled.compiled);
  assert_int_equal(program->state_count, 1);
  assert_string_equal(program->states[0].name, "n");
  dlrt_model *model = create(&compiled, options);
  assert_int_equal(dlrt_model_state_count(model), 1);
  assert_int_equal(dlrt_model_state_desc(model, 0)->dtype, DLRT_DTYPE_F32);
  assert_null(dlrt_model_state_desc(model, 1));
  for (int run = 0; run < 3; run++)
    assert_true(run_counter(model) == (float)run);
  assert_true(counter_state(model) == 3.0f);
  /* A second model starts from the program's initial value: its weights are its own. */
  dlrt_model *other = create(&compiled, options);
  assert_true(run_counter(other) == 0.0f);
  assert_true(counter_state(model) == 3.0f);
  if (options->sanitize) {
    assert_int_equal(dlrt_model_sanitizer_reports(model), 0);
    assert_int_equal(dlrt_model_sanitizer_reports(other), 0);
  }
  dlrt_model_destroy(other);
  dlrt_model_destroy(model);
  release(&compiled);
}

static void counter_on_host(void **state) {
  (void)state;
  counter_counts(&host_options);
}

static void counter_under_sanitizer(void **state) {
  (void)state;
  counter_counts(&sanitize_options);
}

static void counter_on_fake_cuda(void **state) {
  (void)state;
  counter_counts(&cuda_options);
  assert_int_equal(fakecuda_live_allocations(), 0);
}

static void swap_swaps(const dlrt_options *options) {
  compiled_model compiled;
  compile_text(SWAP, "swap", &compiled);
  dlrt_model *model = create(&compiled, options);
  float x[2] = {10, 20}, y[2], a[2], b[2];
  const void *inputs[] = {x};
  void *outputs[] = {y};
  static const float expected_a[2][2] = {{3, 4}, {1, 2}}, expected_y[2][2] = {{11, 22}, {13, 24}};
  for (int run = 0; run < 2; run++) {
    assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
    assert_int_equal(dlrt_model_get_state(model, 0, a), DLRT_STATUS_OK);
    assert_int_equal(dlrt_model_get_state(model, 1, b), DLRT_STATUS_OK);
    assert_memory_equal(y, expected_y[run], sizeof y);
    assert_memory_equal(a, expected_a[run], sizeof a);
    assert_memory_equal(b, expected_a[1 - run], sizeof b);
  }
  dlrt_model_destroy(model);
  release(&compiled);
}

static void swap_on_host(void **state) {
  (void)state;
  swap_swaps(&host_options);
}

static void swap_on_fake_cuda(void **state) {
  (void)state;
  swap_swaps(&cuda_options);
  assert_int_equal(fakecuda_live_allocations(), 0);
}

static void set_state_is_read_by_the_next_run(void **state) {
  (void)state;
  compiled_model compiled;
  compile_text(COUNTER, "counter", &compiled);
  dlrt_model *model = create(&compiled, &host_options);
  float ten = 10;
  assert_int_equal(dlrt_model_set_state(model, 0, &ten), DLRT_STATUS_OK);
  assert_true(run_counter(model) == 10.0f);
  assert_true(counter_state(model) == 11.0f);
  assert_int_equal(dlrt_model_set_state(model, 1, &ten), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "state 1 of program 'counter', which has 1"));
  assert_int_equal(dlrt_model_get_state(model, 0, NULL), DLRT_STATUS_INVALID_ARGUMENT);
  dlrt_model_destroy(model);
  release(&compiled);
}

/* Weights the application passes are copied: the states change in the model's copy only. */
static void application_weights_stay_unchanged(void **state) {
  (void)state;
  compiled_model compiled;
  compile_text(COUNTER, "counter", &compiled);
  const dlrt_program *program = dl_compiled_program(compiled.compiled);
  unsigned char *weights = malloc(program->weights_size);
  assert_non_null(weights);
  memcpy(weights, program->weights, program->weights_size);
  dlrt_options options = host_options;
  options.weights = weights;
  options.weights_size = program->weights_size;
  dlrt_model *model = create(&compiled, &options);
  assert_true(run_counter(model) == 0.0f);
  assert_true(run_counter(model) == 1.0f);
  assert_memory_equal(weights, program->weights, program->weights_size);
  dlrt_model_destroy(model);
  free(weights);
  release(&compiled);
}

/* Without materialize-outputs a swap's update copies would read an overwritten state: the
 * compiler refuses, naming the state and the pass. */
static void swap_needs_materialize_outputs(void **state) {
  (void)state;
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_string(SWAP, strlen(SWAP), "swap", NULL, &diag);
  assert_non_null(graph);
  assert_int_equal(dl_pass_plan_memory(graph, &diag), 0);
  dl_compile_options options = {.name = "swap", .host_twins = true};
  assert_null(dl_compile_graph(graph, &options, &diag));
  bool found = false;
  for (int i = 0; i < diag.count; i++)
    found |= strstr(dl_diag_message(&diag, i), "the update of state 'a' is state 'b' itself") &&
             strstr(dl_diag_message(&diag, i), "run materialize-outputs");
  assert_true(found);
  dl_diag_deinit(&diag);
  ir_graph_destroy(graph);
}

/* The sanitizer lets the update copy write its state, and nothing else in the weights: the
 * same program with the copy aimed at the constant is reported. */
static void sanitizer_guards_the_constants(void **state) {
  (void)state;
  static const char TEXT[] = "dlir 1\n"
                             "graph \"steps\" {\n"
                             "  const %step: f32[2] = [1, 2]\n"
                             "  state %n: f32[2] = [0, 0]\n"
                             "  %n2: f32[2] = Add(%n, %step)\n"
                             "  output %n2\n"
                             "  update %n = %n2\n"
                             "}\n";
  compiled_model compiled;
  compile_text(TEXT, "steps", &compiled);
  const dlrt_program *program = dl_compiled_program(compiled.compiled);
  uint64_t state_at = program->states[0].arena_offset;
  dlrt_program aimed = *program;
  dlrt_launch launches[16];
  dlrt_arg args[64];
  assert_true(program->launch_count <= 16);
  memcpy(launches, program->launches, program->launch_count * sizeof *launches);
  dlrt_launch *copy = &launches[program->launch_count - 1]; /* the update's, last */
  assert_true(copy->arg_count <= 64);
  memcpy(args, copy->args, copy->arg_count * sizeof *args);
  int redirected = 0;
  for (uint32_t a = 0; a < copy->arg_count; a++)
    if (args[a].kind == DLRT_ARG_WEIGHT && args[a].value == state_at) {
      args[a].value = 0; /* the constant %step */
      redirected++;
    }
  assert_int_equal(redirected, 1);
  copy->args = args;
  aimed.launches = launches;
  float out[2];
  void *outputs[] = {out};
  dlrt_model *model = create(&compiled, &sanitize_options);
  assert_int_equal(dlrt_model_run(model, NULL, outputs), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_sanitizer_reports(model), 0);
  dlrt_model_destroy(model);
  model = NULL;
  assert_int_equal(dlrt_model_create(&aimed, &sanitize_options, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_run(model, NULL, outputs), DLRT_STATUS_OK);
  assert_true(dlrt_model_sanitizer_reports(model) > 0);
  dlrt_model_destroy(model);
  release(&compiled);
}

static char *work_path(const char *name) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", DLRT_TEST_WORK_DIR, name);
  return path;
}

static long file_size(const char *path) {
  FILE *file = fopen(path, "rb");
  assert_non_null(file);
  fseek(file, 0, SEEK_END);
  long size = ftell(file);
  fclose(file);
  return size;
}

/* Rewrites `path` with its first `keep` bytes, byte `flip` (if >= 0) inverted. */
static void damage(const char *path, const char *to, long keep, long flip) {
  FILE *in = fopen(path, "rb"), *out = fopen(to, "wb");
  assert_non_null(in);
  assert_non_null(out);
  for (long i = 0; i < keep; i++) {
    int c = fgetc(in);
    fputc(i == flip ? c ^ 0xff : c, out);
  }
  fclose(in);
  fclose(out);
}

static void refused(dlrt_model *model, const char *path, const char *reason) {
  assert_int_equal(dlrt_model_load_state(model, path), DLRT_STATUS_INVALID_ARGUMENT);
  const char *error = dlrt_last_error();
  if (!strstr(error, path) || !strstr(error, reason))
    fail_msg("'%s' does not name %s and '%s'", error, path, reason);
}

static void save_and_load(const dlrt_options *options) {
  compiled_model compiled, pair, swap;
  compile_text(COUNTER, "counter", &compiled);
  compile_text(COUNTER_PAIR, "counter", &pair);
  compile_text(SWAP, "swap", &swap);
  dlrt_model *model = create(&compiled, options);
  run_counter(model);
  run_counter(model);
  char saved[512];
  snprintf(saved, sizeof saved, "%s", work_path("counter.state"));
  assert_int_equal(dlrt_model_save_state(model, saved), DLRT_STATUS_OK);
  assert_true(run_counter(model) == 2.0f);
  assert_int_equal(dlrt_model_load_state(model, saved), DLRT_STATUS_OK);
  assert_true(counter_state(model) == 2.0f);
  assert_true(run_counter(model) == 2.0f);

  /* Damaged files: the state stays 3 whatever is refused. */
  long size = file_size(saved);
  char bad[512];
  snprintf(bad, sizeof bad, "%s", work_path("damaged.state"));
  damage(saved, bad, size - 5, -1);
  refused(model, bad, "truncated");
  damage(saved, bad, size, size - 12); /* inside the data */
  refused(model, bad, "checksum mismatch");
  damage(saved, bad, 4, -1);
  refused(model, bad, "bad magic");
  refused(model, work_path("missing.state"), "cannot open");
  assert_true(counter_state(model) == 3.0f);

  /* Another model's checkpoint, and one of this name with another shape. */
  dlrt_model *swapper = create(&swap, options);
  char swap_path[512];
  snprintf(swap_path, sizeof swap_path, "%s", work_path("swap.state"));
  assert_int_equal(dlrt_model_save_state(swapper, swap_path), DLRT_STATUS_OK);
  refused(model, swap_path, "a checkpoint of model 'swap', not of model 'counter'");
  dlrt_model *paired = create(&pair, options);
  char pair_path[512];
  snprintf(pair_path, sizeof pair_path, "%s", work_path("pair.state"));
  assert_int_equal(dlrt_model_save_state(paired, pair_path), DLRT_STATUS_OK);
  refused(model, pair_path, "state 'n' is f32[2] (8 bytes) in the checkpoint but f32[] in the model");
  assert_true(counter_state(model) == 3.0f);

  /* Saving over a checkpoint replaces it whole; an unwritable place leaves nothing behind. */
  assert_int_equal(dlrt_model_save_state(model, saved), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_load_state(model, saved), DLRT_STATUS_OK);
  assert_true(counter_state(model) == 3.0f);
  assert_int_equal(dlrt_model_save_state(model, work_path("no/such/dir.state")),
                   DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "no/such/dir.state"));

  dlrt_model_destroy(paired);
  dlrt_model_destroy(swapper);
  dlrt_model_destroy(model);
  release(&swap);
  release(&pair);
  release(&compiled);
}

static void save_and_load_on_host(void **state) {
  (void)state;
  save_and_load(&host_options);
}

static void save_and_load_on_fake_cuda(void **state) {
  (void)state;
  save_and_load(&cuda_options);
  assert_int_equal(fakecuda_live_allocations(), 0);
}

int main(void) {

  const struct CMUnitTest tests[] = {
      cmocka_unit_test(counter_on_host),
      cmocka_unit_test(counter_under_sanitizer),
      cmocka_unit_test(sanitizer_guards_the_constants),
      cmocka_unit_test_setup(counter_on_fake_cuda, fake_setup),
      cmocka_unit_test(swap_on_host),
      cmocka_unit_test_setup(swap_on_fake_cuda, fake_setup),
      cmocka_unit_test(set_state_is_read_by_the_next_run),
      cmocka_unit_test(application_weights_stay_unchanged),
      cmocka_unit_test(swap_needs_materialize_outputs),
      cmocka_unit_test(save_and_load_on_host),
      cmocka_unit_test_setup(save_and_load_on_fake_cuda, fake_setup),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
