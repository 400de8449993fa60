/* Import driver for the ONNX backend-suite test (tests/scripts/test_onnx_backend.sh):
 * `test_onnx_backend_driver --classify MODEL...` imports each model in a child process
 * and prints one line per model: "<status>\t<path>\t<first message>" with status
 * ok | unsupported | error | crash. Without arguments it runs its own cmocka tests. */
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "frontend/onnx/onnx_import.h"
#include "ir/verify.h"

/* Whether `type`, an output of a data-dependent op (typed at its upper bound), can hold the
 * reference: same dtype and rank, every dim at most the bound. */
static bool bounds(const ir_value *value, const ir_type *reference) {
  const ir_type *type = &value->type;
  if (!value->producer || !ir_op_has_flag(value->producer->op, IR_OP_FLAG_DATA_DEPENDENT) ||
      type->dtype != reference->dtype || type->rank != reference->rank)
    return false;
  for (int d = 0; d < type->rank; d++)
    if (reference->dims[d] > type->dims[d])
      return false;
  return true;
}

/* Compares the types of the graph's inputs and outputs with the reference tensors of
 * the model's test_data_set_0 (input_N.pb, output_N.pb) where they exist; adds a
 * message for each difference. Returns 0 when all agree (data-dependent outputs: when the
 * reference fits their bounds). */
static int check_reference_types(const char *model_path, ir_graph *graph, dl_diag *diag) {
  char folder[4096];
  snprintf(folder, sizeof(folder), "%s", model_path);
  char *slash = strrchr(folder, '/');
  if (slash)
    *slash = 0;
  int status = 0;
  for (int kind = 0; kind < 2; kind++) {
    const ir_region *body = &graph->body;
    int count = kind == 0 ? body->num_params : body->num_results;
    for (int i = 0; i < count; i++) {
      const ir_value *value = kind == 0 ? body->params[i] : body->results[i];
      char path[4200];
      snprintf(path, sizeof(path), "%s/test_data_set_0/%s_%d.pb", folder,
               kind == 0 ? "input" : "output", i);
      if (access(path, R_OK) != 0 || !ir_type_is_static(&value->type))
        continue;
      ir_type reference;
      const void *data;
      if (dl_onnx_read_tensor_file(path, graph->arena, &reference, &data, diag) != 0) {
        status = -1;
        continue;
      }
      if (!ir_type_equal(&reference, &value->type) && !bounds(value, &reference)) {
        char want[128], got[128];
        ir_type_format(&reference, NULL, want, sizeof(want));
        ir_type_format(&value->type, NULL, got, sizeof(got));
        status = dl_error(diag, "%s: %s '%s' has type %s but the reference %s is %s", model_path,
                          kind == 0 ? "input" : "output", value->name, got, path, want);
      }
    }
  }
  return status;
}

/* Classifies one import: ok (imported, verified, types agreeing with the reference
 * data), unsupported (a message says so) or error; writes the first relevant message
 * into `message`. */
static const char *classify(const char *path, char *message, size_t size) {
  dl_diag diag;
  dl_diag_init(&diag);
  const char *status;
  ir_graph *graph = dl_onnx_import_file(path, NULL, &diag);
  if (graph) {
    bool verified = ir_verify_graph(graph, &diag) == 0;
    status = verified && check_reference_types(path, graph, &diag) == 0 ? "ok" : "error";
  } else {
    status = diag.count ? "error" : "error-without-message";
    for (int i = 0; i < diag.count; i++)
      if (strstr(dl_diag_message(&diag, i), "unsupported"))
        status = "unsupported";
  }
  snprintf(message, size, "%s", diag.count ? dl_diag_message(&diag, 0) : "");
  for (char *c = message; *c; c++)
    if (*c == '\n' || *c == '\t')
      *c = ' ';
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
  return status;
}

/* Runs `classify` in a child so a crash is reported instead of ending the run. */
static void classify_in_child(const char *path) {
  fflush(stdout);
  pid_t child = fork();
  if (child == 0) {
    char message[2048];
    alarm(120);
    const char *status = classify(path, message, sizeof(message));
    printf("%s\t%s\t%s\n", status, path, message);
    fflush(stdout);
    _exit(0);
  }
  int wait_status = 0;
  if (child < 0 || waitpid(child, &wait_status, 0) < 0) {
    printf("crash\t%s\tfork failed\n", path);
  } else if (WIFSIGNALED(wait_status)) {
    printf("crash\t%s\tsignal %d (%s)\n", path, WTERMSIG(wait_status),
           strsignal(WTERMSIG(wait_status)));
  } else if (WEXITSTATUS(wait_status) != 0) {
    printf("crash\t%s\texit status %d\n", path, WEXITSTATUS(wait_status));
  }
}

static void write_file(const char *path, const void *data, size_t size) {
  FILE *file = fopen(path, "wb");
  assert_non_null(file);
  assert_int_equal(fwrite(data, 1, size, file), size);
  fclose(file);
}

static void test_garbage_is_an_error(void **state) {
  (void)state;
  char path[4096], message[2048];
  snprintf(path, sizeof(path), "%s/garbage.onnx", DLCC_TEST_WORK_DIR);
  write_file(path, "\xff\xff\xff\xff not protobuf", 17);
  assert_string_equal(classify(path, message, sizeof(message)), "error");
  assert_non_null(strstr(message, "not a valid ONNX model"));
}

static void test_missing_file_is_an_error(void **state) {
  (void)state;
  char message[2048];
  assert_string_equal(classify(DLCC_TEST_WORK_DIR "/no-such.onnx", message, sizeof(message)),
                      "error");
  assert_non_null(strstr(message, "cannot open"));
}

/* A model whose only node is in a foreign domain: classified as unsupported. */
static void test_foreign_domain_is_unsupported(void **state) {
  (void)state;
  /* ModelProto{ir_version: 8, opset_import{domain:"" version:17},
   * graph{node{input:"x" output:"y" op_type:"Foo" domain:"com.example"} name:"g"
   *       input{name:"x"} output{name:"y"}}} */
  static const unsigned char model[] = {0x08, 0x08, 0x3a, 0x27, 0x0a, 0x18, 0x0a, 0x01, 0x78, 0x12,
                                        0x01, 0x79, 0x22, 0x03, 0x46, 0x6f, 0x6f, 0x3a, 0x0b, 0x63,
                                        0x6f, 0x6d, 0x2e, 0x65, 0x78, 0x61, 0x6d, 0x70, 0x6c, 0x65,
                                        0x12, 0x01, 0x67, 0x5a, 0x03, 0x0a, 0x01, 0x78, 0x62, 0x03,
                                        0x0a, 0x01, 0x79, 0x42, 0x04, 0x0a, 0x00, 0x10, 0x11};
  char path[4096], message[2048];
  snprintf(path, sizeof(path), "%s/foreign.onnx", DLCC_TEST_WORK_DIR);
  write_file(path, model, sizeof(model));
  assert_string_equal(classify(path, message, sizeof(message)), "unsupported");
  assert_non_null(strstr(message, "com.example"));
}

/* TensorProto{dims: [2], data_type: FLOAT, float_data: [1.5, -2]} */
static void test_read_tensor_file(void **state) {
  (void)state;
  static const unsigned char tensor[] = {0x08, 0x02, 0x10, 0x01, 0x22, 0x08, 0x00,
                                         0x00, 0xc0, 0x3f, 0x00, 0x00, 0x00, 0xc0};
  char path[4096];
  snprintf(path, sizeof(path), "%s/tensor.pb", DLCC_TEST_WORK_DIR);
  write_file(path, tensor, sizeof(tensor));
  ir_arena *arena = ir_arena_create();
  dl_diag diag;
  dl_diag_init(&diag);
  ir_type type;
  const void *data = NULL;
  assert_int_equal(dl_onnx_read_tensor_file(path, arena, &type, &data, &diag), 0);
  assert_int_equal(type.dtype, IR_DTYPE_F32);
  assert_int_equal(type.rank, 1);
  assert_int_equal(type.dims[0], 2);
  assert_true(((const float *)data)[0] == 1.5f && ((const float *)data)[1] == -2.0f);
  /* Truncated: an error naming the file. */
  write_file(path, tensor, sizeof(tensor) - 5);
  assert_int_equal(dl_onnx_read_tensor_file(path, arena, &type, &data, &diag), -1);
  assert_non_null(strstr(dl_diag_message(&diag, 0), "tensor.pb"));
  dl_diag_deinit(&diag);
  ir_arena_destroy(arena);
}

int main(int argc, char **argv) {
  if (argc > 1 && strcmp(argv[1], "--classify") == 0) {
    for (int i = 2; i < argc; i++)
      classify_in_child(argv[i]);
    return 0;
  }
  if (system("mkdir -p '" DLCC_TEST_WORK_DIR "'") != 0)
    return 1;
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_garbage_is_an_error),
      cmocka_unit_test(test_missing_file_is_an_error),
      cmocka_unit_test(test_foreign_domain_is_unsupported),
      cmocka_unit_test(test_read_tensor_file),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
