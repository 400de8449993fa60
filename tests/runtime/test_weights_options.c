/* libdlrt's application-facing inputs: weights given in memory or as a weights file (checked
 * by model name, size and checksum), the dlrt_options size field, and how DLRT_DEVICE_AUTO
 * picks a device ($DLRT_DEVICE, the devices a program can run on). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "sample_program.h"

#ifndef DLRT_TEST_WORK_DIR
#define DLRT_TEST_WORK_DIR "."
#endif

/* The sample program with its weights separate and their checksum recorded. */
static dlrt_program separate_program(void) {
  dlrt_program program = *sample_program();
  program.weights = NULL;
  program.weights_checksum = dlrt_weights_checksum(sample_weights(), program.weights_size);
  return program;
}

static int create(const dlrt_program *program, const dlrt_options *options) {
  dlrt_model *model = NULL;
  int status = dlrt_model_create(program, options, &model);
  if (status == DLRT_STATUS_OK) {
    static float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
    static float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
    sample_data(x, y, expected_sum, expected_partials);
    const void *inputs[] = {x, y};
    void *outputs[] = {sum, partials};
    assert_int_equal(dlrt_model_run(model, inputs, outputs), DLRT_STATUS_OK);
    for (int b = 0; b < SAMPLE_BLOCKS; b++)
      assert_float_equal(partials[b], expected_partials[b], 1e-3);
  }
  dlrt_model_destroy(model);
  return status;
}

static void test_checksum_is_fnv1a_of_words(void **state) {
  /* FNV-1a 64 of the empty input is its offset basis; one word and one tail byte by hand. */
  assert_true(dlrt_weights_checksum("", 0) == 0xcbf29ce484222325ull);
  unsigned char bytes[9] = {1, 2, 3, 4, 5, 6, 7, 8, 9};
  uint64_t hash = (0xcbf29ce484222325ull ^ 0x0807060504030201ull) * 0x100000001b3ull;
  hash = (hash ^ 9u) * 0x100000001b3ull;
  assert_true(dlrt_weights_checksum(bytes, 9) == hash);
  bytes[8] = 10;
  assert_true(dlrt_weights_checksum(bytes, 9) != hash);
}

static void test_weights_in_memory_checked(void **state) {
  dlrt_program program = separate_program();
  static float other[SAMPLE_N];
  memcpy(other, sample_weights(), sizeof other);
  other[17] += 1.0f;
  dlrt_options options;
  dlrt_options_init(&options);
  options.device = DLRT_DEVICE_HOST;
  options.weights = other;
  options.weights_size = sizeof other;
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "dlrt_options.weights: the weights' checksum is"));
  assert_non_null(strstr(dlrt_last_error(), "other or corrupted weights"));
  options.weights = sample_weights();
  assert_int_equal(create(&program, &options), DLRT_STATUS_OK);
}

/* Writes a weights file of the sample program, changed by `edit`. */
static const char *write_file(const char *name, const char *model, long cut, int flip) {
  static char path[512];
  snprintf(path, sizeof path, "%s/%s", DLRT_TEST_WORK_DIR, name);
  dlrt_program program = separate_program();
  unsigned char header_bytes[DLRT_WEIGHTS_HEADER_BYTES] = {0};
  dlrt_weights_file_header header = {.format_version = DLRT_WEIGHTS_FORMAT_VERSION,
                                     .header_bytes = DLRT_WEIGHTS_HEADER_BYTES,
                                     .weights_size = program.weights_size,
                                     .checksum = program.weights_checksum};
  memcpy(header.magic, DLRT_WEIGHTS_MAGIC, sizeof header.magic);
  strncpy(header.model_name, model, sizeof header.model_name - 1);
  memcpy(header_bytes, &header, sizeof header);
  static unsigned char file[DLRT_WEIGHTS_HEADER_BYTES + SAMPLE_N * sizeof(float)];
  memcpy(file, header_bytes, sizeof header_bytes);
  memcpy(file + sizeof header_bytes, sample_weights(), program.weights_size);
  if (flip)
    file[sizeof header_bytes + 100] ^= 1;
  FILE *out = fopen(path, "wb");
  assert_non_null(out);
  assert_int_equal(fwrite(file, 1, sizeof file - (size_t)cut, out), sizeof file - (size_t)cut);
  assert_int_equal(fclose(out), 0);
  return path;
}

static void test_weights_file(void **state) {
  dlrt_program program = separate_program();
  dlrt_options options = {.device = DLRT_DEVICE_HOST, .host_threads = 1};
  options.weights_path = write_file("good.weights", "sample", 0, 0);
  assert_int_equal(create(&program, &options), DLRT_STATUS_OK);

  options.weights_path = write_file("short.weights", "sample", 10, 0);
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "short.weights: truncated weights file"));

  options.weights_path = write_file("header.weights", "sample", SAMPLE_N * sizeof(float) + 200, 0);
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "shorter than its header"));

  options.weights_path = write_file("flipped.weights", "sample", 0, 1);
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "flipped.weights: the weights' checksum is"));

  options.weights_path = write_file("other.weights", "resnet", 0, 0);
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "the weights of model 'resnet', not of 'sample'"));

  program.weights_checksum ^= 1; /* the model was recompiled with other weights */
  options.weights_path = write_file("stale.weights", "sample", 0, 0);
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "recompiled since?"));

  options.weights_path = DLRT_TEST_WORK_DIR "/missing.weights";
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "cannot open"));

  options.weights_path = __FILE__; /* not a weights file */
  assert_int_equal(create(&program, &options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "not a dlcc weights file"));
}

/* An older header's smaller struct is read without its missing members; members unknown
 * to this libdlrt must be zero. */
static void test_options_struct_size(void **state) {
  struct {
    dlrt_options options;
    uint64_t newer_member;
  } newer = {{0}, 0};
  dlrt_options_init(&newer.options);
  assert_int_equal(newer.options.struct_size, sizeof(dlrt_options));
  newer.options.device = DLRT_DEVICE_HOST;
  newer.options.struct_size = sizeof newer;
  assert_int_equal(create(sample_program(), &newer.options), DLRT_STATUS_OK);
  newer.newer_member = 1;
  assert_int_equal(create(sample_program(), &newer.options), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "use a newer libdlrt"));

  dlrt_program program = separate_program();
  dlrt_options older = {.device = DLRT_DEVICE_HOST,
                        .weights_path = "ignored: past the older struct"};
  older.struct_size = offsetof(dlrt_options, weights_path);
  assert_int_equal(create(&program, &older), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "compiled with separate weights"));
  older.struct_size = 2;
  assert_int_equal(create(sample_program(), &older), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "dlrt_options.struct_size is 2"));
}

static void test_auto_device_choice(void **state) {
  setenv("DLRT_LIBCUDA", "/nonexistent/libcuda.so.1", 1);
  dlrt_program program = *sample_program();
  dlrt_kernel kernels[2];
  memcpy(kernels, program.kernels, sizeof kernels);
  kernels[1].host_fn = NULL;
  kernels[1].name = "dlrt_test_no_host_code";
  program.kernels = kernels;
  /* No host code: only cuda can run it, and there is none. */
  assert_int_equal(create(&program, NULL), DLRT_STATUS_NO_DEVICE);
  assert_non_null(strstr(dlrt_last_error(), "libcuda.so.1 not found"));

  setenv("DLRT_DEVICE", "host", 1);
  assert_int_equal(create(sample_program(), NULL), DLRT_STATUS_OK);
  setenv("DLRT_DEVICE", "cuda", 1);
  assert_int_equal(create(sample_program(), NULL), DLRT_STATUS_NO_DEVICE);
  setenv("DLRT_DEVICE", "tpu", 1);
  assert_int_equal(create(sample_program(), NULL), DLRT_STATUS_INVALID_ARGUMENT);
  assert_non_null(strstr(dlrt_last_error(), "DLRT_DEVICE is 'tpu'"));
  /* An explicit device is not overridden. */
  dlrt_options options = {.device = DLRT_DEVICE_HOST};
  assert_int_equal(create(sample_program(), &options), DLRT_STATUS_OK);
  unsetenv("DLRT_DEVICE");

  /* No PTX: host without trying a driver. */
  unsetenv("DLRT_LIBCUDA");
  program = sample_program_with_modules(NULL, 0);
  dlrt_model *model = NULL;
  assert_int_equal(dlrt_model_create(&program, NULL, &model), DLRT_STATUS_OK);
  assert_int_equal(dlrt_model_device_kind(model), DLRT_DEVICE_HOST);
  dlrt_model_destroy(model);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_checksum_is_fnv1a_of_words),
      cmocka_unit_test(test_weights_in_memory_checked),
      cmocka_unit_test(test_weights_file),
      cmocka_unit_test(test_options_struct_size),
      cmocka_unit_test(test_auto_device_choice),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
