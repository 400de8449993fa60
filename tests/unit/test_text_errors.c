/* Every kind of bad .dlir input gives one located message (`file:line:col: ...`) and no
 * graph: syntax, names, types, attributes, constants and side files. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>

#include "frontend/text/text_parse.h"

#define WORK DLCC_TEST_WORK_DIR
#define HEAD "dlir 1\ngraph \"g\" {\n"

typedef struct bad_case {
  const char *text;
  const char *message; /* the whole first message */
} bad_case;

static const bad_case CASES[] = {
    {"", "t.dlir:1:1: syntax error, unexpected end of file, expecting dlir"},
    {"dlir 2 graph g {}", "t.dlir:1:6: unsupported .dlir version 2 (this dlcc reads version 1)"},
    {HEAD "  %y: f32[2] = Relu(%x)\n}\n",
     "t.dlir:3:21: undefined value %x (values must be defined before they are used)"},
    {HEAD "  input %x: f32[2]\n  input %x: f32[2]\n}\n",
     "t.dlir:4:9: duplicate value name %x (first defined at line 3, column 9)"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Frobnicate(%x)\n}\n",
     "t.dlir:4:16: unknown op 'Frobnicate'"},
    {HEAD "  input %x: f31[2]\n}\n",
     "t.dlir:3:13: unknown dtype 'f31' (known: f32, f16, bf16, f64, i8, u8, i16, u16, i32, "
     "u32, i64, u64, bool, f8e4m3fn, f8e4m3fnuz, f8e5m2, f8e5m2fnuz, u4, i4, f4e2m1, u2, i2, "
     "f8e8m0)"},
    {HEAD "  input %x: f32[n]\n}\n",
     "t.dlir:3:17: unknown dimension symbol 'n' (declare it first: symbol n)"},
    {HEAD "  symbol n\n  symbol n\n}\n", "t.dlir:4:10: duplicate dimension symbol 'n'"},
    {HEAD "  input %x: f32[1,1,1,1,1,1,1,1,1]\n}\n",
     "t.dlir:3:13: rank 9 is above the maximum of 8"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Relu(%x, %x)\n}\n",
     "t.dlir:4:16: Relu takes 1 to 1 inputs, found 2"},
    {HEAD "  input %x: f32[2]\n  %y: f32[3] = Relu(%x)\n}\n",
     "t.dlir:4:3: node 'Relu_0' (Relu): output %y is written as f32[3] but Relu gives f32[2]"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Relu(%x) {alpha: number = 1}\n}\n",
     "t.dlir:4:33: unknown attribute kind 'number' (int, float, string, dtype, ints, floats or "
     "strings)"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {k: int = \"one\"}\n}\n",
     "t.dlir:4:39: expected an integer, found 'one'"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {k: int = 1.5}\n}\n",
     "t.dlir:4:39: expected an integer, found '1.5'"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {k: ints = 1}\n}\n",
     "t.dlir:4:30: attribute 'k' of kind ints needs a list: [a, b, ...]"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {k: int = 1, k: int = 2}\n}\n",
     "t.dlir:4:42: duplicate attribute 'k'"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Cast(%x) {to: dtype = f99}\n}\n",
     "t.dlir:4:38: attribute 'to': unknown dtype 'f99'"},
    {HEAD "  const %c: f32[3] = [1, 2]\n}\n", "t.dlir:3:9: constant %c needs 3 values, found 2"},
    {HEAD "  const %c: i8[1] = [200]\n}\n", "t.dlir:3:22: 200 is out of range for i8"},
    {HEAD "  const %c: f16[1] = [70000]\n}\n", "t.dlir:3:23: 70000 is out of range for f16"},
    {HEAD "  const %c: bool[1] = [1]\n}\n", "t.dlir:3:24: expected true or false, found '1'"},
    {HEAD "  const %c: f32[1] = [1e99]\n}\n", "t.dlir:3:23: 1e99 is out of range for f32"},
    {HEAD "  symbol n\n  const %c: f32[n] = elided\n}\n",
     "t.dlir:4:9: constant %c needs a static shape (no dimension symbols)"},
    {HEAD "  const %c: f32[100] = file \"missing.bin\" offset 0 size 400\n}\n",
     "t.dlir:3:9: side file \"missing.bin\": " WORK
     "/missing.bin: cannot open: No such file or directory"},
    {HEAD "  const %c: f32[100] = file \"short.bin\" offset 64 size 400\n}\n",
     "t.dlir:3:9: side file \"short.bin\" is too short: it has 100 bytes, the constant needs "
     "bytes 64 to 464 (was the file cut or replaced?)"},
    {HEAD "  const %c: f32[100] = file \"short.bin\" offset 0 size 40\n}\n",
     "t.dlir:3:55: constant %c: offset 0 size 40 does not fit its type (400 bytes at a "
     "non-negative offset)"},
    {HEAD "  const %c: f32[100] = file \".\" offset 0 size 400\n}\n",
     "t.dlir:3:9: side file \".\": " WORK "/.: cannot read a folder (dlcc reads regular files only)"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {s: string = \"open\n}\n",
     "t.dlir:4:42: unterminated string (a string must close on its line)"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Identity(%x) {s: string = \"\\q\"}\n}\n",
     "t.dlir:4:42: unknown escape '\\q' in string (use \\\", \\\\, \\n, \\t, \\r or \\xHH)"},
    {HEAD "  input %\"a\\x00\": f32[2]\n}\n",
     "t.dlir:3:9: strings cannot contain a NUL byte (\\x00)"},
    {HEAD "  input %x: f32[2] $\n}\n", "t.dlir:3:20: unexpected character '$'"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Relu(%x\n}\n",
     "t.dlir:5:1: syntax error, unexpected '}', expecting ')'"},
    {HEAD "  input % x: f32[2]\n}\n",
     "t.dlir:3:9: expected a value name after '%' (e.g. %x or %\"a/b\")"},
    {HEAD "  input %x: f32[2]\n  output _\n}\n",
     "t.dlir:4:10: '_' (absent input) is only allowed as a node input"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = dl.group(%x) {\n  ^(%p: f32[2]):\n"
          "    %q: f32[2] = Relu(%p)\n    yield %q\n  }\n  output %q\n}\n",
     "t.dlir:9:10: value %q (line 6) is defined inside a region that has ended; use the "
     "region's node outputs instead"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = dl.group(%x) {\n  ^(%p: f32[2]):\n"
          "    %q: f32[3] = Relu(%p)\n    yield %q\n  }\n}\n",
     "t.dlir:6:5: node 'Relu_1' (Relu): output %q is written as f32[3] but Relu gives f32[2]"},
    {HEAD "  input %\"\": f32[2]\n}\n", "t.dlir:3:9: value names cannot be empty"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Add(%x, _)\n}\n",
     "t.dlir:4:3: node 'Add_0' (Add): input 1 is required but absent"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = Relu(%x) {\n  ^():\n  yield\n  }\n}\n",
     "t.dlir:4:16: only dl.group nodes have a region, not Relu"},
    {HEAD "  input %x: f32[2]\n  %y: f32[2] = dl.group(%x)\n}\n",
     "t.dlir:4:3: node 'dl.group_0' (dl.group): dl.group has no body"},
};

static void write_file(const char *path, const void *data, size_t size) {
  FILE *file = fopen(path, "wb");
  assert_non_null(file);
  assert_int_equal(fwrite(data, 1, size, file), size);
  fclose(file);
}

static void expect_graph(ir_graph *graph, dl_diag *diag) {
  if (!graph)
    dl_diag_print(diag, stderr);
  assert_non_null(graph);
  assert_int_equal(diag->count, 0);
}

static int make_work_folder(void **state) {
  char partial[1024];
  const char *path = WORK;
  for (size_t i = 1; path[i - 1]; i++)
    if (path[i] == '/' || path[i] == '\0') {
      snprintf(partial, sizeof(partial), "%.*s", (int)i, path);
      mkdir(partial, 0777);
    }
  char bytes[100] = {0};
  write_file(WORK "/short.bin", bytes, sizeof(bytes));
  return 0;
}

static void test_each_bad_input_gives_one_located_message(void **state) {
  int mismatches = 0;
  for (size_t i = 0; i < sizeof(CASES) / sizeof(CASES[0]); i++) {
    const char *text = CASES[i].text;
    dl_diag diag;
    dl_diag_init(&diag);
    ir_graph *graph = dl_text_parse_string(text, strlen(text), "t.dlir", WORK, &diag);
    if (graph || diag.count < 1 || strcmp(dl_diag_message(&diag, 0), CASES[i].message) != 0) {
      fprintf(stderr, "case %zu:\n  got:      %s\n  expected: %s\n", i,
              graph ? "(a graph)" : dl_diag_message(&diag, 0), CASES[i].message);
      mismatches++;
    }
    ir_graph_destroy(graph);
    dl_diag_deinit(&diag);
  }
  assert_int_equal(mismatches, 0);
}

/* Raw bytes the printer never writes: NUL and bytes >= 0x80 outside strings. */
static void test_raw_bytes_are_rejected(void **state) {
  static const char with_nul[] = "dlir 1\ngraph g {\x00}";
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_text_parse_string(with_nul, sizeof(with_nul) - 1, "t.dlir", NULL, &diag));
  assert_string_equal(dl_diag_message(&diag, 0), "t.dlir:2:10: unexpected byte 0x00");
  dl_diag_deinit(&diag);
  dl_diag_init(&diag);
  assert_null(dl_text_parse_string("\xff", 1, NULL, NULL, &diag));
  assert_string_equal(dl_diag_message(&diag, 0), "<string>:1:1: unexpected byte 0xff");
  dl_diag_deinit(&diag);
}

static void test_missing_file_names_the_path(void **state) {
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_text_parse_file(WORK "/no-such.dlir", &diag));
  assert_string_equal(dl_diag_message(&diag, 0),
                      WORK "/no-such.dlir: cannot open: No such file or directory");
  dl_diag_deinit(&diag);
}

/* Every cut of a valid dump (as a truncated download would give) fails cleanly with a
 * message; only the whole text, with or without its final newline, parses. */
static void test_every_truncation_fails_cleanly(void **state) {
  static const char DUMP[] =
      "dlir 1\n"
      "graph \"cut\" {\n"
      "  symbol batch\n"
      "  input %x: f32[batch,4]\n"
      "  const %c: f32[4] = [1, -2.5, inf, nan]\n"
      "  const %s: i64[2] = [1, -1]\n"
      "  %y: f32[batch,4] = Add(%x, %c) {note: string = \"a\\tb\", k: ints = [1, 2]} name \"n\"\n"
      "  %g: f32[batch,4] = dl.group(%y) {\n"
      "  ^(%p: f32[batch,4]):\n"
      "    %r: f32[batch,4] = Clip(%p, _, _)\n"
      "    yield %r\n"
      "  }\n"
      "  output %g\n"
      "}\n";
  size_t full = sizeof(DUMP) - 1;
  for (size_t length = 0; length <= full; length++) {
    dl_diag diag;
    dl_diag_init(&diag);
    ir_graph *graph = dl_text_parse_string(DUMP, length, "cut.dlir", WORK, &diag);
    if (length >= full - 1) {
      expect_graph(graph, &diag);
    } else {
      assert_null(graph);
      assert_true(diag.count >= 1);
    }
    ir_graph_destroy(graph);
    dl_diag_deinit(&diag);
  }
}

/* A side-file offset that is not a multiple of the element size still gives the right
 * values, copied to aligned memory. */
static void test_unaligned_side_file_offset_is_copied(void **state) {
  unsigned char bytes[2 + 5 * sizeof(float)];
  float values[5] = {1.5f, -2, 3, 1e-3f, 42};
  bytes[0] = bytes[1] = 0xee;
  memcpy(bytes + 2, values, sizeof(values));
  write_file(WORK "/unaligned.bin", bytes, sizeof(bytes));
  static const char TEXT[] = HEAD "  const %w: f32[5] = file \"unaligned.bin\" offset 2 size 20\n"
                                  "  output %w\n}\n";
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_string(TEXT, sizeof(TEXT) - 1, "t.dlir", WORK, &diag);
  expect_graph(graph, &diag);
  const ir_value *w = ir_graph_find_value(graph, "w");
  assert_int_equal((uintptr_t)w->data % sizeof(float), 0);
  assert_memory_equal(w->data, values, sizeof(values));
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

/* Nesting beyond the parser's stack gives a clear message, not a crash or a vague one. */
static void test_too_deep_nesting_is_reported(void **state) {
  enum { LEVELS = 5000 };
  size_t capacity = (size_t)LEVELS * 64 + 256, used = 0;
  char *text = malloc(capacity);
  used += (size_t)snprintf(text, capacity, HEAD "  input %%x: f32[1]\n");
  for (int i = 0; i < LEVELS; i++)
    used += (size_t)snprintf(text + used, capacity - used,
                             "%%g%d: f32[1] = dl.group(%%x) { ^(%%p%d: f32[1]):\n", i, i);
  dl_diag diag;
  dl_diag_init(&diag);
  assert_null(dl_text_parse_string(text, used, "deep.dlir", NULL, &diag));
  assert_non_null(strstr(dl_diag_message(&diag, 0), "regions nested too deeply"));
  dl_diag_deinit(&diag);
  free(text);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_each_bad_input_gives_one_located_message),
      cmocka_unit_test(test_raw_bytes_are_rejected),
      cmocka_unit_test(test_missing_file_names_the_path),
      cmocka_unit_test(test_every_truncation_fails_cleanly),
      cmocka_unit_test(test_unaligned_side_file_offset_is_copied),
      cmocka_unit_test(test_too_deep_nesting_is_reported),
  };
  return cmocka_run_group_tests(tests, make_work_folder, NULL);
}
