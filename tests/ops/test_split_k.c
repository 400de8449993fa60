/* Split-K GEMMs through the whole compiler and libdlrt: one launch per GEMM, each with its own
 * counters in the program's counter region; on the host device with parallel blocks every
 * run gives the same bits (the counters were left at 0 and the partials are added in a fixed
 * order), and under the sanitizer no report. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <math.h>

#include "codegen/program/compile.h"
#include "dlrt.h"
#include "frontend/text/text_parse.h"

/* Two split GEMMs: 128x128 (4 output tiles, K split 4 ways) and 7x45 (one tile, 3 ways). */
static const char GRAPH[] = "dlir 1\n"
                            "graph \"split_k\" {\n"
                            "  input %a: f32[128,1024]\n"
                            "  input %b: f32[1024,128]\n"
                            "  input %c: f32[7,1000]\n"
                            "  input %d: f32[1000,45]\n"
                            "  %y: f32[128,128] = MatMul(%a, %b)\n"
                            "  %z: f32[7,45] = MatMul(%c, %d)\n"
                            "  output %y\n"
                            "  output %z\n"
                            "}\n";

static const int64_t M[2] = {128, 7}, K[2] = {1024, 1000}, N[2] = {128, 45};

static dl_compiled *compile(bool sanitize) {
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_string(GRAPH, strlen(GRAPH), "split_k.dlir", NULL, &diag);
  dl_compile_options options = {
      .host_twins = true, .host_cpu = "native", .opt_level = 2, .sanitize = sanitize};
  dl_compiled *compiled = graph ? dl_compile_graph(graph, &options, &diag) : NULL;
  for (int i = 0; !compiled && i < diag.stored; i++)
    fprintf(stderr, "%s\n", dl_diag_message(&diag, i));
  assert_non_null(compiled);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  return compiled;
}

static float *random_matrix(int64_t count, uint32_t seed) {
  float *data = malloc((size_t)count * sizeof *data);
  uint32_t state = seed;
  for (int64_t i = 0; i < count; i++) {
    state = state * 1664525u + 1013904223u;
    data[i] = (float)(state >> 8) / (float)(1u << 24) * 2.0f - 1.0f;
  }
  return data;
}

typedef struct data {
  float *inputs[4];
  float *outputs[2];
} data;

static void make_data(data *d) {
  for (int g = 0; g < 2; g++) {
    d->inputs[2 * g] = random_matrix(M[g] * K[g], 11u + (uint32_t)g);
    d->inputs[2 * g + 1] = random_matrix(K[g] * N[g], 23u + (uint32_t)g);
    d->outputs[g] = calloc((size_t)(M[g] * N[g]), sizeof(float));
  }
}

static void free_data(data *d) {
  for (int i = 0; i < 4; i++)
    free(d->inputs[i]);
  for (int g = 0; g < 2; g++)
    free(d->outputs[g]);
}

static void check_reference(const data *d) {
  for (int g = 0; g < 2; g++)
    for (int64_t i = 0; i < M[g]; i++)
      for (int64_t j = 0; j < N[g]; j++) {
        double expected = 0;
        for (int64_t k = 0; k < K[g]; k++)
          expected += (double)d->inputs[2 * g][i * K[g] + k] * d->inputs[2 * g + 1][k * N[g] + j];
        float actual = d->outputs[g][i * N[g] + j];
        if (fabs(actual - expected) > 1e-4 + 1e-4 * fabs(expected))
          fail_msg("GEMM %d [%lld][%lld]: %.9g, expected %.9g", g, (long long)i, (long long)j,
                   actual, expected);
      }
}

static dlrt_model *create(const dlrt_program *program, int sanitize) {
  dlrt_options options;
  dlrt_options_init(&options);
  options.device = DLRT_DEVICE_HOST;
  options.host_threads = 4; /* blocks of a split run at once: the counts are real atomics */
  options.sanitize = sanitize;
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(program, &options, &model), DLRT_STATUS_OK);
  return model;
}

static void test_one_launch_per_gemm(void **state) {
  (void)state;
  dl_compiled *compiled = compile(false);
  const dlrt_program *program = dl_compiled_program(compiled);
  assert_int_equal(program->launch_count, 2);
  assert_int_equal(program->counter_bytes, (4 + 1) * sizeof(uint32_t));
  assert_int_equal(program->launches[0].grid[2], 4);
  assert_int_equal(program->launches[1].grid[2], 3);
  /* each GEMM's counters: its own range of the region */
  const dlrt_arg *first = &program->launches[0].args[program->launches[0].arg_count - 1];
  const dlrt_arg *second = &program->launches[1].args[program->launches[1].arg_count - 1];
  assert_int_equal(first->kind, DLRT_ARG_COUNTERS);
  assert_int_equal(first->value, 0);
  assert_int_equal(first->bytes, 4 * sizeof(uint32_t));
  assert_int_equal(second->kind, DLRT_ARG_COUNTERS);
  assert_int_equal(second->value, 4 * sizeof(uint32_t));
  assert_int_equal(second->bytes, sizeof(uint32_t));
  dl_compiled_destroy(compiled);
}

/* Five runs of one model, bit for bit the same as the first, and right. */
static void test_runs_repeat_bit_for_bit(void **state) {
  (void)state;
  dl_compiled *compiled = compile(false);
  dlrt_model *model = create(dl_compiled_program(compiled), 0);
  data d;
  make_data(&d);
  float *first[2];
  for (int run = 0; run < 5; run++) {
    for (int g = 0; g < 2; g++)
      memset(d.outputs[g], 0xff, (size_t)(M[g] * N[g]) * sizeof(float));
    assert_int_equal(dlrt_model_run(model, (const void *const *)d.inputs, (void *const *)d.outputs),
                     DLRT_STATUS_OK);
    for (int g = 0; g < 2; g++) {
      size_t bytes = (size_t)(M[g] * N[g]) * sizeof(float);
      if (run == 0) {
        first[g] = malloc(bytes);
        memcpy(first[g], d.outputs[g], bytes);
      } else if (memcmp(first[g], d.outputs[g], bytes) != 0) {
        fail_msg("run %d of GEMM %d differs from the first run", run + 1, g);
      }
    }
  }
  check_reference(&d);
  for (int g = 0; g < 2; g++)
    free(first[g]);
  free_data(&d);
  dlrt_model_destroy(model);
  dl_compiled_destroy(compiled);
}

/* The checked twins under libdlrt's sanitizer (the counters tracked, zeroed): two runs, no
 * report, the same bits as the plain twins. */
static void test_sanitizer_runs_clean(void **state) {
  (void)state;
  dl_compiled *plain = compile(false), *checked = compile(true);
  dlrt_model *model = create(dl_compiled_program(plain), 0);
  dlrt_model *sanitized = create(dl_compiled_program(checked), 1);
  data d, s;
  make_data(&d);
  make_data(&s);
  assert_int_equal(dlrt_model_run(model, (const void *const *)d.inputs, (void *const *)d.outputs),
                   DLRT_STATUS_OK);
  for (int run = 0; run < 2; run++)
    assert_int_equal(
        dlrt_model_run(sanitized, (const void *const *)s.inputs, (void *const *)s.outputs),
        DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_sanitizer_reports(sanitized), 0);
  for (int g = 0; g < 2; g++)
    assert_memory_equal(d.outputs[g], s.outputs[g], (size_t)(M[g] * N[g]) * sizeof(float));
  free_data(&d);
  free_data(&s);
  dlrt_model_destroy(model);
  dlrt_model_destroy(sanitized);
  dl_compiled_destroy(plain);
  dl_compiled_destroy(checked);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_one_launch_per_gemm),
      cmocka_unit_test(test_runs_repeat_bit_for_bit),
      cmocka_unit_test(test_sanitizer_runs_clean),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
