/* The training builders (passes/train/train.h) against PyTorch: tests/scripts/train_reference.py
 * (run with the system python3, which has Debian's torch) prints inputs and torch's results for
 * every loss, optimizer, schedule and clipping case and for two training steps; each kind's
 * cases are built into one graph, compiled at -O2 and run on the host device, optimizers for
 * five steps with their outputs fed back as inputs, training steps for five runs with the
 * weights, slots and step counter kept as libdlrt states. Skipped when torch is missing. */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "ir/infer.h"
#include "ir/state.h"
#include "ir/verify.h"
#include "passes/pass.h"
#include "passes/train/train.h"

enum { MAX_TENSORS = 40, MAX_WORDS = 12, MAX_CASES = 64, MAX_IO = 96 };

typedef struct test_tensor {
  const char *name;
  ir_type type;
  int64_t count;
  void *data; /* f32 or i64 */
} test_tensor;

typedef struct test_case {
  const char *words[MAX_WORDS]; /* "loss", "mse", "mean", ... */
  int num_words;
  test_tensor tensors[MAX_TENSORS];
  int num_tensors;
} test_case;

static test_case cases[MAX_CASES];
static int num_cases;
static char *reference_text;

static const test_tensor *find_tensor(const test_case *c, const char *name) {
  for (int i = 0; i < c->num_tensors; i++)
    if (strcmp(c->tensors[i].name, name) == 0)
      return &c->tensors[i];
  return NULL;
}

static double word_number(const test_case *c, int index) {
  assert_true(index < c->num_words);
  return strtod(c->words[index], NULL);
}

static char *next_token(char **cursor) {
  char *token = strtok_r(NULL, " \t\n", cursor);
  assert_non_null(token);
  return token;
}

static void parse_tensor(test_tensor *t, char **cursor) {
  t->name = next_token(cursor);
  const char *dtype = next_token(cursor);
  bool is_float = strcmp(dtype, "f32") == 0;
  int64_t dims[IR_MAX_RANK];
  int rank = atoi(next_token(cursor));
  t->count = 1;
  for (int d = 0; d < rank; d++)
    t->count *= dims[d] = atoll(next_token(cursor));
  t->type = ir_type_make(is_float ? IR_DTYPE_F32 : IR_DTYPE_I64, rank, dims);
  t->data = calloc((size_t)t->count + 1, 8);
  for (int64_t e = 0; e < t->count; e++) {
    const char *token = next_token(cursor);
    if (is_float)
      ((float *)t->data)[e] = strtof(token, NULL);
    else
      ((int64_t *)t->data)[e] = atoll(token);
  }
}

/* Runs the reference script; 0, or 77 when torch is missing. */
static int load_references(void) {
  const char *python =
      getenv("DLCC_TORCH_PYTHON") ? getenv("DLCC_TORCH_PYTHON") : "/usr/bin/python3";
  char command[1024];
  snprintf(command, sizeof command, "%s %s/tests/scripts/train_reference.py", python,
           DLCC_SOURCE_DIR);
  FILE *pipe = popen(command, "r");
  if (!pipe)
    return -1;
  size_t size = 0, capacity = 1 << 16;
  reference_text = malloc(capacity);
  size_t got;
  while ((got = fread(reference_text + size, 1, capacity - size - 1, pipe)) > 0)
    if ((size += got) + 1 == capacity)
      reference_text = realloc(reference_text, capacity *= 2);
  reference_text[size] = 0;
  int status = pclose(pipe);
  if (WIFEXITED(status) && WEXITSTATUS(status) == 77)
    return 77;
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0)
    return -1;
  char *cursor = NULL;
  for (char *token = strtok_r(reference_text, " \t\n", &cursor); token;
       token = strtok_r(NULL, " \t\n", &cursor)) {
    if (strcmp(token, "case") != 0)
      return -1;
    if (num_cases == MAX_CASES)
      return -1;
    test_case *c = &cases[num_cases++];
    char *line_end = strchr(cursor, '\n'); /* the words run to the end of the line */
    *line_end = 0;
    for (char *word = strtok(cursor, " "); word && c->num_words < MAX_WORDS;
         word = strtok(NULL, " "))
      c->words[c->num_words++] = word;
    cursor = line_end + 1;
    for (char *kind = strtok_r(NULL, " \t\n", &cursor); strcmp(kind, "end") != 0;
         kind = strtok_r(NULL, " \t\n", &cursor))
      parse_tensor(&c->tensors[c->num_tensors++], &cursor);
  }
  return 0;
}

/* A graph under construction with its inputs' data and the outputs' expected values. */
typedef struct harness {
  ir_graph *graph;
  dl_diag diag;
  int num_inputs, num_outputs;
  void *input_data[MAX_IO];        /* what each run reads */
  const test_tensor *want[MAX_IO]; /* NULL: not compared by the generic check */
  const char *label[MAX_IO];
  dl_compiled *compiled;
  dlrt_model *model;
  void *outputs[MAX_IO];
} harness;

static void harness_init(harness *h, const char *name) {
  memset(h, 0, sizeof *h);
  h->graph = ir_graph_create(name);
  dl_diag_init(&h->diag);
}

static void print_diag(harness *h) {
  for (int i = 0; i < h->diag.stored; i++)
    fprintf(stderr, "%s\n", dl_diag_message(&h->diag, i));
}

static ir_value *add_input(harness *h, const char *name, ir_type type, void *data) {
  ir_value *input = ir_graph_add_input(h->graph, ir_graph_unique_name(h->graph, name), type);
  assert_non_null(input);
  h->input_data[h->num_inputs++] = data;
  return input;
}

static int add_output(harness *h, ir_value *value, const test_tensor *want, const char *label) {
  if (!value)
    print_diag(h);
  assert_non_null(value);
  assert_int_equal(ir_graph_add_output(h->graph, value), 0);
  h->want[h->num_outputs] = want;
  h->label[h->num_outputs] = label;
  return h->num_outputs++;
}

static void harness_compile(harness *h) {
  dl_pipeline pipeline;
  int status = dl_pipeline_for_level(2, &pipeline, &h->diag);
  if (status == 0)
    status = dl_pipeline_run(&pipeline, h->graph, NULL, &h->diag);
  if (status == 0)
    status = dl_pass_materialize_outputs(h->graph, &h->diag);
  if (status == 0)
    status = dl_pass_plan_memory(h->graph, &h->diag);
  if (status == 0)
    status = ir_verify_graph(h->graph, &h->diag);
  dl_compile_options options = {.host_twins = true, .opt_level = 1};
  if (status == 0)
    h->compiled = dl_compile_graph(h->graph, &options, &h->diag);
  if (!h->compiled)
    print_diag(h);
  assert_non_null(h->compiled);
  const dlrt_program *program = dl_compiled_program(h->compiled);
  assert_int_equal(program->input_count, h->num_inputs);
  assert_int_equal(program->output_count, h->num_outputs);
  dlrt_options run_options;
  dlrt_options_init(&run_options);
  run_options.device = DLRT_DEVICE_HOST;
  run_options.host_threads = 1;
  assert_int_equal(dlrt_model_create(program, &run_options, &h->model), DLRT_STATUS_OK);
  for (int o = 0; o < h->num_outputs; o++) {
    int64_t count = 1;
    for (uint32_t d = 0; d < program->outputs[o].rank; d++)
      count *= program->outputs[o].dims[d];
    h->outputs[o] = calloc((size_t)count + 1, 8);
  }
}

static void harness_run(harness *h) {
  assert_int_equal(dlrt_model_run(h->model, (const void *const *)h->input_data, h->outputs),
                   DLRT_STATUS_OK);
}

/* Output `o`'s f32 elements against `count` expected ones (fp32 tolerance). */
static void compare(const harness *h, int o, const float *want, int64_t count, const char *what,
                    int step) {
  const float *got = h->outputs[o];
  for (int64_t e = 0; e < count; e++) {
    double tolerance = 5e-7 + 5e-6 * fabs((double)want[e]);
    if (!(fabs((double)got[e] - (double)want[e]) <= tolerance))
      fail_msg("%s (step %d) element %lld: dlcc %.9g, torch %.9g", what, step, (long long)e,
               (double)got[e], (double)want[e]);
  }
}

static void harness_check_all(const harness *h) {
  for (int o = 0; o < h->num_outputs; o++)
    if (h->want[o])
      compare(h, o, h->want[o]->data, h->want[o]->count, h->label[o], 0);
}

static void harness_deinit(harness *h) {
  for (int o = 0; o < h->num_outputs; o++)
    free(h->outputs[o]);
  if (h->model)
    dlrt_model_destroy(h->model);
  dl_compiled_destroy(h->compiled);
  ir_graph_destroy(h->graph);
  dl_diag_deinit(&h->diag);
}

static const char *case_label(const test_case *c) {
  static char labels[MAX_CASES][128];
  int index = (int)(c - cases);
  char *at = labels[index];
  size_t left = sizeof labels[index];
  for (int i = 0; i < c->num_words && left > 1; i++) {
    int n = snprintf(at, left, "%s%s", i ? " " : "", c->words[i]);
    at += n;
    left -= (size_t)n < left ? (size_t)n : left;
  }
  return labels[index];
}

static void setup_skip(void) {
  if (num_cases == 0)
    skip();
}

/* ---- losses ---- */

static void test_losses(void **state) {
  (void)state;
  setup_skip();
  harness h;
  harness_init(&h, "losses");
  for (int i = 0; i < num_cases; i++) {
    test_case *c = &cases[i];
    if (strcmp(c->words[0], "loss") != 0)
      continue;
    dl_loss_options options;
    dl_loss_kind kind;
    assert_true(dl_loss_kind_from_name(c->words[1], &kind));
    dl_loss_options_init(&options, kind);
    assert_true(dl_loss_reduction_from_name(c->words[2], &options.reduction));
    options.ignore_index = (int64_t)word_number(c, 3);
    const test_tensor *output = find_tensor(c, "output"), *labels = find_tensor(c, "labels");
    const test_tensor *weights = find_tensor(c, "weights"), *pos = find_tensor(c, "pos_weight");
    if (weights) {
      options.class_weights = weights->data;
      options.num_class_weights = (int)weights->count;
    }
    if (pos) {
      options.pos_weight = pos->data;
      options.num_pos_weight = (int)pos->count;
    }
    ir_value *x = add_input(&h, "output", output->type, output->data);
    ir_value *y = add_input(&h, "labels", labels->type, labels->data);
    ir_value *loss = dl_build_loss(h.graph, &options, x, y, &h.diag);
    add_output(&h, loss, find_tensor(c, "expect"), case_label(c));
    if (options.reduction != DL_REDUCTION_NONE)
      assert_int_equal(loss->type.rank, 0);
  }
  harness_compile(&h);
  harness_run(&h);
  harness_check_all(&h);
  harness_deinit(&h);
}

/* `text` is among the messages of `diag`. */
static void expect_message(const dl_diag *diag, const char *a, const char *b) {
  for (int i = 0; i < diag->stored; i++)
    if (strstr(dl_diag_message(diag, i), a) && strstr(dl_diag_message(diag, i), b))
      return;
  fail_msg("no message with '%s' and '%s' (first: %s)", a, b,
           diag->stored ? dl_diag_message(diag, 0) : "none");
}

static void test_loss_errors(void **state) {
  (void)state;
  harness h;
  harness_init(&h, "bad");
  int64_t nc[2] = {4, 3}, n[1] = {4}, other[1] = {5};
  ir_value *logits = add_input(&h, "logits", ir_type_make(IR_DTYPE_F32, 2, nc), NULL);
  ir_value *float_labels = add_input(&h, "float_labels", ir_type_make(IR_DTYPE_F32, 1, n), NULL);
  ir_value *short_labels = add_input(&h, "short", ir_type_make(IR_DTYPE_I64, 1, other), NULL);
  ir_value *labels = add_input(&h, "labels", ir_type_make(IR_DTYPE_I64, 1, n), NULL);
  dl_loss_options options;
  dl_loss_options_init(&options, DL_LOSS_CROSS_ENTROPY);
  assert_null(dl_build_loss(h.graph, &options, logits, float_labels, &h.diag));
  expect_message(&h.diag, "'float_labels' (f32[4])", "labels must be int64 class indices");
  assert_null(dl_build_loss(h.graph, &options, logits, short_labels, &h.diag));
  expect_message(&h.diag, "cross-entropy loss", "without its class axis 1");
  float weights[2] = {1, 2};
  options.class_weights = weights;
  options.num_class_weights = 2;
  assert_null(dl_build_loss(h.graph, &options, logits, labels, &h.diag));
  expect_message(&h.diag, "2 class weights for 3 classes", "logits");
  dl_loss_options_init(&options, DL_LOSS_MSE);
  assert_null(dl_build_loss(h.graph, &options, logits, labels, &h.diag));
  expect_message(&h.diag, "mse loss", "labels need the output's dtype");
  h.num_inputs = 0; /* never compiled */
  harness_deinit(&h);
}

/* ---- optimizers ---- */

/* One optimizer case in the graph: the output indices of its weight and slots, the inputs they
 * feed back into, and the input that takes each step's gradient. */
typedef struct optimizer_run {
  test_case *c;
  int weight_output, slot_outputs[2], weight_input, slot_inputs[2], grad_input, slots;
} optimizer_run;

static void test_optimizers(void **state) {
  (void)state;
  setup_skip();
  harness h;
  harness_init(&h, "optimizers");
  int64_t step = 0;
  ir_value *step_input = add_input(&h, "step", ir_type_scalar(IR_DTYPE_I64), &step);
  optimizer_run runs[MAX_CASES];
  int num_runs = 0;
  for (int i = 0; i < num_cases; i++) {
    test_case *c = &cases[i];
    if (strcmp(c->words[0], "optimizer") != 0)
      continue;
    dl_optimizer_options options;
    dl_optimizer_kind kind;
    assert_true(dl_optimizer_kind_from_name(c->words[1], &kind));
    dl_optimizer_options_init(&options, kind);
    float lr = (float)word_number(c, 2);
    options.momentum = word_number(c, 3);
    options.dampening = word_number(c, 4);
    options.nesterov = word_number(c, 5) != 0;
    options.weight_decay = word_number(c, 6);
    options.beta1 = word_number(c, 7);
    options.beta2 = word_number(c, 8);
    options.epsilon = word_number(c, 9);
    const test_tensor *weight = find_tensor(c, "weight");
    int slots = dl_optimizer_slot_count(&options);
    optimizer_run *r = &runs[num_runs++];
    r->c = c;
    r->slots = slots;
    r->weight_input = h.num_inputs;
    ir_value *w = add_input(&h, "weight", weight->type, calloc((size_t)weight->count, 4));
    memcpy(h.input_data[r->weight_input], weight->data, (size_t)weight->count * 4);
    r->grad_input = h.num_inputs;
    ir_value *g = add_input(&h, "grad", weight->type, NULL);
    ir_value *slot_values[2] = {0}, *new_slots[2] = {0}, *new_weight = NULL;
    for (int s = 0; s < slots; s++) {
      r->slot_inputs[s] = h.num_inputs;
      slot_values[s] = add_input(&h, dl_optimizer_slot_name(&options, s), weight->type,
                                 calloc((size_t)weight->count, 4));
    }
    ir_value *lr_value = ir_graph_add_constant_copy(h.graph, ir_graph_unique_name(h.graph, "lr"),
                                                    ir_type_scalar(IR_DTYPE_F32), &lr);
    if (dl_build_optimizer_update(h.graph, &options, lr_value, step_input, w, g, slot_values,
                                  &new_weight, new_slots, &h.diag) != 0)
      print_diag(&h);
    r->weight_output = add_output(&h, new_weight, NULL, case_label(c));
    for (int s = 0; s < slots; s++)
      r->slot_outputs[s] = add_output(&h, new_slots[s], NULL, case_label(c));
  }
  harness_compile(&h);
  const dlrt_program *program = dl_compiled_program(h.compiled);
  for (step = 0; step < 5; step++) {
    char name[16];
    snprintf(name, sizeof name, "grad%d", (int)step);
    for (int i = 0; i < num_runs; i++)
      h.input_data[runs[i].grad_input] = find_tensor(runs[i].c, name)->data;
    harness_run(&h);
    for (int i = 0; i < num_runs; i++) {
      snprintf(name, sizeof name, "expect_weight%d", (int)step);
      const test_tensor *want = find_tensor(runs[i].c, name);
      char what[200];
      snprintf(what, sizeof what, "%s: weight", case_label(runs[i].c));
      compare(&h, runs[i].weight_output, want->data, want->count, what, (int)step);
      /* Feed the new weight and slots back. */
      size_t bytes = (size_t)want->count * 4;
      memcpy(h.input_data[runs[i].weight_input], h.outputs[runs[i].weight_output], bytes);
      for (int s = 0; s < runs[i].slots; s++)
        memcpy(h.input_data[runs[i].slot_inputs[s]], h.outputs[runs[i].slot_outputs[s]], bytes);
    }
  }
  for (int i = 0; i < num_runs; i++)
    for (int s = 0; s < runs[i].slots; s++) {
      char name[16], what[200];
      snprintf(name, sizeof name, "expect_slot%d", s);
      snprintf(what, sizeof what, "%s: slot %d", case_label(runs[i].c), s);
      const test_tensor *want = find_tensor(runs[i].c, name);
      assert_non_null(want);
      compare(&h, runs[i].slot_outputs[s], want->data, want->count, what, 4);
    }
  (void)program;
  for (int i = 0; i < num_runs; i++) {
    free(h.input_data[runs[i].weight_input]);
    for (int s = 0; s < runs[i].slots; s++)
      free(h.input_data[runs[i].slot_inputs[s]]);
  }
  harness_deinit(&h);
}

/* Adam far into a run, where beta^t underflows f32 (0.9^990 < 2^-149): the bias corrections
 * are then exactly 1 and the step finite (it once divided by log(0)). Against the update in
 * double precision. */
static void test_adam_late_steps(void **state) {
  (void)state;
  const int64_t steps[] = {989, 990, 5000, 2000000};
  for (size_t k = 0; k < sizeof steps / sizeof steps[0]; k++) {
    harness h;
    harness_init(&h, "late");
    int64_t step = steps[k];
    float w0[2] = {0.5f, -0.25f}, g0[2] = {0.125f, -2.0f}, m0[2] = {0.01f, -0.3f},
          v0[2] = {0.0004f, 0.5f}, lr = 0.003f;
    ir_type type = ir_type_scalar(IR_DTYPE_F32);
    type.rank = 1;
    type.dims[0] = 2;
    ir_value *t = add_input(&h, "step", ir_type_scalar(IR_DTYPE_I64), &step);
    ir_value *w = add_input(&h, "w", type, w0), *g = add_input(&h, "g", type, g0);
    ir_value *slots[2] = {add_input(&h, "m", type, m0), add_input(&h, "v", type, v0)};
    ir_value *lr_value = ir_graph_add_constant_copy(h.graph, "lr", ir_type_scalar(IR_DTYPE_F32),
                                                    &lr);
    dl_optimizer_options options;
    dl_optimizer_options_init(&options, DL_OPTIMIZER_ADAM);
    ir_value *new_weight = NULL, *new_slots[2] = {0};
    assert_int_equal(dl_build_optimizer_update(h.graph, &options, lr_value, t, w, g, slots,
                                               &new_weight, new_slots, &h.diag),
                     0);
    int o = add_output(&h, new_weight, NULL, "late adam");
    harness_compile(&h);
    harness_run(&h);
    float want[2];
    for (int i = 0; i < 2; i++) {
      double m = 0.9 * m0[i] + 0.1 * g0[i], v = 0.999 * v0[i] + 0.001 * (double)g0[i] * g0[i];
      double c1 = 1 - pow(0.9, (double)step + 1), c2 = 1 - pow(0.999, (double)step + 1);
      want[i] = (float)(w0[i] - lr * (m / c1) / (sqrt(v / c2) + 1e-8));
    }
    compare(&h, o, want, 2, "late adam", (int)step);
    harness_deinit(&h);
  }
}

static void test_optimizer_errors(void **state) {
  (void)state;
  harness h;
  harness_init(&h, "bad");
  int64_t dims[2] = {2, 3}, other[1] = {6};
  ir_value *w = add_input(&h, "w", ir_type_make(IR_DTYPE_F32, 2, dims), NULL);
  ir_value *g = add_input(&h, "g", ir_type_make(IR_DTYPE_F32, 1, other), NULL);
  ir_value *lr = add_input(&h, "lr", ir_type_scalar(IR_DTYPE_F32), NULL);
  ir_value *step = add_input(&h, "step", ir_type_scalar(IR_DTYPE_I64), NULL);
  dl_optimizer_options options;
  dl_optimizer_options_init(&options, DL_OPTIMIZER_SGD);
  ir_value *new_weight = NULL;
  assert_int_equal(dl_build_optimizer_update(h.graph, &options, lr, step, w, g, NULL, &new_weight,
                                             NULL, &h.diag),
                   -1);
  expect_message(&h.diag, "the gradient needs the weight's type", "'g' is f32[6]");
  options.nesterov = true;
  assert_int_equal(dl_build_optimizer_update(h.graph, &options, lr, step, w, w, NULL, &new_weight,
                                             NULL, &h.diag),
                   -1);
  expect_message(&h.diag, "w/sgd", "nesterov momentum needs momentum > 0");
  h.num_inputs = 0;
  harness_deinit(&h);
}

/* ---- schedules ---- */

static void test_schedules(void **state) {
  (void)state;
  setup_skip();
  harness h;
  harness_init(&h, "schedules");
  int64_t step = 0;
  float step_f32 = 0;
  ir_value *step_input = add_input(&h, "step", ir_type_scalar(IR_DTYPE_I64), &step);
  ir_value *step_f32_input = add_input(&h, "step_f32", ir_type_scalar(IR_DTYPE_F32), &step_f32);
  const test_case *which[2 * MAX_CASES];
  for (int i = 0; i < num_cases; i++) {
    const test_case *c = &cases[i];
    if (strcmp(c->words[0], "schedule") != 0)
      continue;
    dl_schedule_options options;
    dl_schedule_kind kind;
    assert_true(dl_schedule_kind_from_name(c->words[1], &kind));
    dl_schedule_options_init(&options, kind);
    options.learning_rate = word_number(c, 2);
    options.step_size = (int64_t)word_number(c, 3);
    options.gamma = word_number(c, 4);
    options.total_steps = (int64_t)word_number(c, 5);
    options.min_learning_rate = word_number(c, 6);
    options.warmup_steps = (int64_t)word_number(c, 7);
    options.warmup_start_factor = word_number(c, 8);
    for (int f = 0; f < 2; f++) { /* from an i64 step and from an f32 one */
      ir_value *lr =
          dl_build_learning_rate(h.graph, &options, f ? step_f32_input : step_input, &h.diag);
      which[add_output(&h, lr, NULL, case_label(c))] = c;
    }
  }
  harness_compile(&h);
  for (step = 0; step < 14; step++) {
    step_f32 = (float)step;
    harness_run(&h);
    for (int o = 0; o < h.num_outputs; o++) {
      const test_tensor *want = find_tensor(which[o], "expect");
      assert_int_equal(want->count, 14);
      compare(&h, o, (const float *)want->data + step, 1, h.label[o], (int)step);
    }
  }
  harness_deinit(&h);
}

/* ---- clipping ---- */

static void test_clipping(void **state) {
  (void)state;
  setup_skip();
  harness h;
  harness_init(&h, "clipping");
  for (int i = 0; i < num_cases; i++) {
    test_case *c = &cases[i];
    if (strcmp(c->words[0], "clip") != 0)
      continue;
    int n = (int)word_number(c, 2);
    ir_value *grads[8], *clipped[8];
    char name[16];
    for (int k = 0; k < n; k++) {
      snprintf(name, sizeof name, "grad%d", k);
      const test_tensor *g = find_tensor(c, name);
      grads[k] = add_input(&h, name, g->type, g->data);
    }
    if (dl_build_clip_by_global_norm(h.graph, grads, n, (float)word_number(c, 1), clipped,
                                     &h.diag) != 0)
      print_diag(&h);
    for (int k = 0; k < n; k++) {
      snprintf(name, sizeof name, "expect%d", k);
      add_output(&h, clipped[k], find_tensor(c, name), case_label(c));
    }
  }
  harness_compile(&h);
  harness_run(&h);
  harness_check_all(&h);
  harness_deinit(&h);
}

/* ---- the training step ---- */

static ir_value *add_node(harness *h, ir_op op, ir_value *const *inputs, int count,
                          const char *name) {
  ir_node *node = ir_graph_add_node(h->graph, NULL, op, name, inputs, count, &name, 1);
  assert_non_null(node);
  if (op == IR_OP_GEMM)
    assert_int_equal(ir_node_set_int(h->graph, node, "transB", 1), 0);
  if (op == IR_OP_BATCH_NORMALIZATION)
    assert_int_equal(ir_node_set_float(h->graph, node, "momentum", 0.9f), 0);
  if (ir_infer_node(h->graph, node, &h->diag) != 0)
    print_diag(h);
  assert_int_equal(h->diag.count, 0);
  return node->outputs[0];
}

static ir_value *weight(harness *h, const test_case *c, const char *name) {
  const test_tensor *t = find_tensor(c, name);
  assert_non_null(t);
  ir_value *value = ir_graph_add_constant(h->graph, name, t->type, t->data);
  assert_non_null(value);
  return value;
}

static void check_train_case(const test_case *c) {
  harness h;
  harness_init(&h, "train");
  bool batch_norm = word_number(c, 8) != 0;
  const test_tensor *x0 = find_tensor(c, "x0");
  float *x_data = malloc((size_t)x0->count * sizeof(float));
  int64_t label_data[4];
  ir_value *x = add_input(&h, "x", x0->type, x_data);
  ir_value *logits;
  if (strcmp(c->words[1], "image_bn") == 0) { /* BN, Relu, GlobalAveragePool, Flatten, Gemm */
    ir_value *bn[5] = {x, weight(&h, c, "bn.weight"), weight(&h, c, "bn.bias"),
                       weight(&h, c, "bn.running_mean"), weight(&h, c, "bn.running_var")};
    ir_value *features = add_node(&h, IR_OP_BATCH_NORMALIZATION, bn, 5, "bn");
    features = add_node(&h, IR_OP_RELU, &features, 1, "relu");
    features = add_node(&h, IR_OP_GLOBAL_AVERAGE_POOL, &features, 1, "pool");
    features = add_node(&h, IR_OP_FLATTEN, &features, 1, "flatten");
    ir_value *gemm[3] = {features, weight(&h, c, "fc2.weight"), weight(&h, c, "fc2.bias")};
    logits = add_node(&h, IR_OP_GEMM, gemm, 3, "logits");
  } else { /* Gemm, [BN,] Relu, Gemm */
    ir_value *gemm1[3] = {x, weight(&h, c, "fc1.weight"),
                          batch_norm ? NULL : weight(&h, c, "fc1.bias")};
    ir_value *hidden = add_node(&h, IR_OP_GEMM, gemm1, batch_norm ? 2 : 3, "fc1");
    if (batch_norm) {
      ir_value *bn[5] = {hidden, weight(&h, c, "bn.weight"), weight(&h, c, "bn.bias"),
                         weight(&h, c, "bn.running_mean"), weight(&h, c, "bn.running_var")};
      hidden = add_node(&h, IR_OP_BATCH_NORMALIZATION, bn, 5, "bn");
    }
    hidden = add_node(&h, IR_OP_RELU, &hidden, 1, "relu");
    ir_value *gemm2[3] = {hidden, weight(&h, c, "fc2.weight"), weight(&h, c, "fc2.bias")};
    logits = add_node(&h, IR_OP_GEMM, gemm2, 3, "logits");
  }
  assert_int_equal(ir_graph_add_output(h.graph, logits), 0);

  dl_train_options options;
  dl_train_options_init(&options);
  dl_optimizer_kind kind;
  assert_true(dl_optimizer_kind_from_name(c->words[2], &kind));
  dl_optimizer_options_init(&options.optimizer, kind);
  options.schedule.learning_rate = word_number(c, 3);
  options.optimizer.momentum = word_number(c, 4);
  options.clip_norm = (float)word_number(c, 5);
  if (word_number(c, 6) > 0) {
    options.schedule.kind = DL_SCHEDULE_STEP;
    options.schedule.step_size = (int64_t)word_number(c, 6);
    options.schedule.gamma = word_number(c, 7);
  }
  if (dl_build_train_step(h.graph, &options, &h.diag) != 0)
    print_diag(&h);
  assert_int_equal(h.diag.count, 0);
  ir_value *labels = ir_graph_find_value(h.graph, "labels");
  assert_non_null(labels);
  assert_int_equal(labels->type.dtype, IR_DTYPE_I64);
  h.input_data[h.num_inputs++] = label_data; /* the builder added the labels input */
  h.num_outputs = 2;                         /* loss, logits */
  harness_compile(&h);
  assert_true(dlrt_model_state_count(h.model) >= 5); /* weights, slots, step */
  for (int k = 0; k < 5; k++) {
    char name[32];
    snprintf(name, sizeof name, "x%d", k);
    memcpy(x_data, find_tensor(c, name)->data, (size_t)x0->count * sizeof(float));
    snprintf(name, sizeof name, "labels%d", k);
    memcpy(label_data, find_tensor(c, name)->data, sizeof label_data);
    harness_run(&h);
    snprintf(name, sizeof name, "expect_loss%d", k);
    char what[64];
    snprintf(what, sizeof what, "%s loss", c->words[1]);
    compare(&h, 0, find_tensor(c, name)->data, 1, what, k);
  }
  /* The states after five steps: weights (and running statistics) against torch's, the step
   * counter at 5. */
  int checked = 0;
  bool saw_step = false;
  for (uint32_t i = 0; i < dlrt_model_state_count(h.model); i++) {
    const dlrt_tensor_desc *desc = dlrt_model_state_desc(h.model, i);
    void *data = calloc(dlrt_tensor_bytes(desc) + 8, 1);
    assert_int_equal(dlrt_model_get_state(h.model, i, data), DLRT_STATUS_OK);
    char name[80], what[120];
    snprintf(name, sizeof name, "expect_%s", desc->name);
    const test_tensor *want = find_tensor(c, name);
    if (want) {
      snprintf(what, sizeof what, "%s %s after 5 steps", c->words[1], desc->name);
      h.outputs[h.num_outputs] = data; /* compare reads outputs */
      compare(&h, h.num_outputs, want->data, want->count, what, 5);
      h.outputs[h.num_outputs] = NULL;
      checked++;
    }
    if (strcmp(desc->name, "train.step") == 0) {
      assert_int_equal(*(int64_t *)data, 5);
      saw_step = true;
    }
    free(data);
  }
  assert_true(saw_step);
  assert_int_equal(checked, (int)(strcmp(c->words[1], "image_bn") == 0 ? 6 : batch_norm ? 7 : 4));
  harness_deinit(&h);
  free(x_data);
}

static void test_train_step(void **state) {
  (void)state;
  setup_skip();
  int count = 0;
  for (int i = 0; i < num_cases; i++)
    if (strcmp(cases[i].words[0], "train") == 0) {
      check_train_case(&cases[i]);
      count++;
    }
  assert_int_equal(count, 3);
}

/* A linear model y = x W^T + b for the selection and refusal checks (never compiled). */
static ir_graph *linear_model(harness *h, float *data) {
  int64_t x_dims[2] = {2, 3}, w_dims[2] = {4, 3}, b_dims[1] = {4}, shape_dims[1] = {2};
  ir_value *x = add_input(h, "x", ir_type_make(IR_DTYPE_F32, 2, x_dims), NULL);
  ir_value *w =
      ir_graph_add_constant(h->graph, "fc.weight", ir_type_make(IR_DTYPE_F32, 2, w_dims), data);
  ir_value *b =
      ir_graph_add_constant(h->graph, "fc.bias", ir_type_make(IR_DTYPE_F32, 1, b_dims), data);
  ir_value *inputs[3] = {x, w, b};
  ir_value *y = add_node(h, IR_OP_GEMM, inputs, 3, "fc");
  /* A float constant that only decides a shape (Reshape's shape is int64, so use a float
   * constant nobody reads for values: it must not train). */
  static const int64_t shape[2] = {2, 4};
  ir_value *reshape[2] = {
      y,
      ir_graph_add_constant(h->graph, "shape", ir_type_make(IR_DTYPE_I64, 1, shape_dims), shape)};
  ir_graph_add_output(h->graph, add_node(h, IR_OP_RESHAPE, reshape, 2, "out"));
  ir_graph_add_constant(h->graph, "unused", ir_type_make(IR_DTYPE_F32, 1, b_dims), data);
  return h->graph;
}

static void test_train_step_weights(void **state) {
  (void)state;
  float data[12] = {0};
  harness h;
  /* Every float weight the loss reads trains; the unused constant does not. */
  harness_init(&h, "select");
  dl_train_options options;
  dl_train_options_init(&options);
  dl_optimizer_options_init(&options.optimizer, DL_OPTIMIZER_ADAM);
  assert_int_equal(dl_build_train_step(linear_model(&h, data), &options, &h.diag), 0);
  assert_int_equal(ir_graph_find_value(h.graph, "fc.weight")->kind, IR_VALUE_STATE);
  assert_int_equal(ir_graph_find_value(h.graph, "fc.bias")->kind, IR_VALUE_STATE);
  assert_int_equal(ir_graph_find_value(h.graph, "unused")->kind, IR_VALUE_CONSTANT);
  assert_int_equal(ir_graph_find_value(h.graph, "shape")->kind, IR_VALUE_CONSTANT);
  assert_non_null(ir_graph_find_value(h.graph, "fc.weight.m"));
  assert_non_null(ir_graph_find_value(h.graph, "fc.bias.v"));
  ir_value *step = ir_graph_find_value(h.graph, "train.step");
  assert_non_null(step);
  assert_non_null(ir_graph_state_update(h.graph, step));
  assert_int_equal(h.graph->num_states, 2 + 4 + 1); /* weights, m and v of each, step */
  assert_int_equal(h.graph->num_state_updates, 7);
  assert_int_equal(h.graph->body.num_results, 2); /* loss, model output */
  assert_int_equal(h.graph->body.results[0]->type.rank, 0);
  if (ir_verify_graph(h.graph, &h.diag) != 0)
    print_diag(&h);
  assert_int_equal(h.diag.count, 0);
  h.num_inputs = 0;
  harness_deinit(&h);

  /* Frozen patterns keep a weight constant. */
  harness_init(&h, "frozen");
  dl_train_options_init(&options);
  const char *frozen[1] = {"*.bias"};
  options.frozen = frozen;
  options.num_frozen = 1;
  assert_int_equal(dl_build_train_step(linear_model(&h, data), &options, &h.diag), 0);
  assert_int_equal(ir_graph_find_value(h.graph, "fc.weight")->kind, IR_VALUE_STATE);
  assert_int_equal(ir_graph_find_value(h.graph, "fc.bias")->kind, IR_VALUE_CONSTANT);
  assert_int_equal(h.graph->num_states, 2); /* SGD without momentum: no slots */
  h.num_inputs = 0;
  harness_deinit(&h);
}

static void expect_train_step_error(dl_train_options *options, const char *a, const char *b) {
  float data[12] = {0};
  harness h;
  harness_init(&h, "bad");
  assert_int_equal(dl_build_train_step(linear_model(&h, data), options, &h.diag), -1);
  expect_message(&h.diag, a, b);
  h.num_inputs = 0;
  harness_deinit(&h);
}

static void test_train_step_errors(void **state) {
  (void)state;
  dl_train_options options;
  dl_train_options_init(&options);
  options.loss.reduction = DL_REDUCTION_NONE;
  expect_train_step_error(&options, "training step", "reduction mean or sum");
  dl_train_options_init(&options);
  options.output = "nope";
  expect_train_step_error(&options, "'nope' is not an output", "output 0 is 'out'");
  dl_train_options_init(&options);
  options.labels = "x";
  expect_train_step_error(&options, "already has a value named 'x'", "labels");
  dl_train_options_init(&options);
  const char *none[1] = {"conv*"};
  options.trainable = none;
  options.num_trainable = 1;
  expect_train_step_error(&options, "no weight to train", "trainable patterns");
}

static int setup(void **state) {
  (void)state;
  int status = load_references();
  if (status == 77) {
    printf("skipping the torch comparisons: torch is missing for %s\n",
           getenv("DLCC_TORCH_PYTHON") ? getenv("DLCC_TORCH_PYTHON") : "/usr/bin/python3");
    return 0;
  }
  return status;
}

static int teardown(void **state) {
  (void)state;
  for (int i = 0; i < num_cases; i++)
    for (int t = 0; t < cases[i].num_tensors; t++)
      free(cases[i].tensors[t].data);
  free(reference_text);
  return 0;
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_losses),
      cmocka_unit_test(test_loss_errors),
      cmocka_unit_test(test_optimizers),
      cmocka_unit_test(test_adam_late_steps),
      cmocka_unit_test(test_optimizer_errors),
      cmocka_unit_test(test_schedules),
      cmocka_unit_test(test_clipping),
      cmocka_unit_test(test_train_step),
      cmocka_unit_test(test_train_step_weights),
      cmocka_unit_test(test_train_step_errors),
  };
  return cmocka_run_group_tests(tests, setup, teardown);
}
