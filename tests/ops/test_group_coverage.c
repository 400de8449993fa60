/* The group cases (tests/ops/groups/, run by test_groups against the unfused graph) cover
 * every group root's lowering: for each data input some case computes it by a prologue, and
 * some case reads the root's output in an epilogue. A root that loads an input from its own
 * kernel parameter instead of through the group's loaders computes wrong values only with a
 * prologue (ConvTranspose did); a new root op or input without a case fails here, naming
 * them. Ops sharing a lowering (the LOWER column of ir/ops.def) share its loaders. Every
 * case has its unfused twin and is run by test_groups. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "frontend/text/text_parse.h"
#include "ir/graph.h"

enum { MAX_ROOT_INPUTS = 32 };

static const char *const GROUPS_DIR = DLCC_SOURCE_DIR "/tests/ops/groups/";

static const char *const LOWERING[IR_OP_COUNT] = {
#define OP(ENUM, NAME, MIN_IN, MAX_IN, MIN_OUT, MAX_OUT, INFER, CATEGORY, FLAGS, SHAPE_INPUTS,     \
           LOWER, EMIT, GRAD)                                                                      \
  [IR_OP_##ENUM] = #LOWER,
#include "ir/ops.def"
#undef OP
};

typedef struct coverage {
  bool prologue[IR_OP_COUNT][MAX_ROOT_INPUTS]; /* by root op and input */
  bool epilogue[IR_OP_COUNT];
} coverage;

static bool is_case(const char *file) {
  size_t length = strlen(file);
  return length > 5 && strcmp(file + length - 5, ".dlir") == 0 &&
         !(length > 10 && strcmp(file + length - 10, ".flat.dlir") == 0);
}

static void record_group(const ir_node *group, coverage *out) {
  for (const ir_node *root = group->body->first; root; root = root->next) {
    if (!ir_node_can_root_group(root))
      continue;
    for (int k = 0; k < root->num_inputs && k < MAX_ROOT_INPUTS; k++) {
      const ir_value *input = root->inputs[k];
      if (input && input->producer && input->producer->parent == group->body)
        out->prologue[root->op][k] = true;
    }
    for (const ir_node *node = group->body->first; node; node = node->next)
      for (int k = 0; k < node->num_inputs; k++)
        if (node->inputs[k] == root->outputs[0])
          out->epilogue[root->op] = true;
  }
}

/* test_groups.c's source, to check that it runs every case. */
static char *read_source(const char *path) {
  FILE *file = fopen(path, "rb");
  char *text = file ? calloc(1 << 20, 1) : NULL;
  if (text)
    fread(text, 1, (1 << 20) - 1, file);
  if (file)
    fclose(file);
  return text;
}

/* NAME.dlir has its NAME.flat.dlir and test_groups runs it. */
static void check_case_run(const char *file, const char *runner) {
  char name[256], path[512], quoted[260];
  snprintf(name, sizeof name, "%.*s", (int)(strlen(file) - 5), file);
  snprintf(path, sizeof path, "%s%s.flat.dlir", GROUPS_DIR, name);
  FILE *flat = fopen(path, "rb");
  if (!flat)
    fail_msg("%s has no %s.flat.dlir (the same graph without the group)", file, name);
  fclose(flat);
  snprintf(quoted, sizeof quoted, "\"%s\"", name);
  if (!strstr(runner, quoted))
    fail_msg("test_groups.c does not run the group case %s", name);
}

static void record_case(const char *file, coverage *out) {
  char path[512];
  snprintf(path, sizeof path, "%s%s", GROUPS_DIR, file);
  dl_diag diag;
  dl_diag_init(&diag);
  ir_graph *graph = dl_text_parse_file(path, &diag);
  if (!graph)
    fail_msg("%s: %s", path, diag.stored ? dl_diag_message(&diag, 0) : "does not parse");
  for (const ir_node *node = graph->body.first; node; node = node->next)
    if (node->op == IR_OP_GROUP)
      record_group(node, out);
  ir_graph_destroy(graph);
  dl_diag_deinit(&diag);
}

/* Whether some op lowered like `op` has input `input` (or, for -1, its output) covered. */
static bool covered(const coverage *c, ir_op op, int input) {
  for (int other = 1; other < IR_OP_COUNT; other++)
    if (strcmp(LOWERING[other], LOWERING[op]) == 0 &&
        (input < 0 ? c->epilogue[other] : c->prologue[other][input]))
      return true;
  return false;
}

static void test_every_root_input_has_a_prologue_case(void **state) {
  (void)state;
  static coverage c;
  char *runner = read_source(DLCC_SOURCE_DIR "/tests/ops/test_groups.c");
  assert_non_null(runner);
  DIR *dir = opendir(GROUPS_DIR);
  assert_non_null(dir);
  int cases = 0;
  for (struct dirent *entry = readdir(dir); entry; entry = readdir(dir))
    if (is_case(entry->d_name)) {
      check_case_run(entry->d_name, runner);
      record_case(entry->d_name, &c);
      cases++;
    }
  closedir(dir);
  free(runner);
  assert_true(cases > 0);
  int missing = 0;
  for (int op = 1; op < IR_OP_COUNT; op++) {
    if (!ir_op_can_root_group((ir_op)op))
      continue;
    const ir_op_info *info = ir_op_get((ir_op)op);
    for (int k = -1; k < info->max_inputs && k < MAX_ROOT_INPUTS; k++) {
      if ((k >= 0 && ir_op_input_decides_shape((ir_op)op, k)) || covered(&c, (ir_op)op, k))
        continue;
      if (k < 0)
        fprintf(stderr, "no group case reads the output of %s (%s) in an epilogue\n", info->name,
                LOWERING[op]);
      else
        fprintf(stderr, "no group case computes input %d of %s (%s) by a prologue\n", k, info->name,
                LOWERING[op]);
      missing++;
    }
  }
  if (missing)
    fail_msg("%d root inputs/outputs without a case: add NAME.dlir and NAME.flat.dlir to "
             "tests/ops/groups/ and NAME to test_groups.c",
             missing);
}

int main(void) {
  const struct CMUnitTest tests[] = {
      cmocka_unit_test(test_every_root_input_has_a_prologue_case),
  };
  return cmocka_run_group_tests(tests, NULL, NULL);
}
