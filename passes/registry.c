/* The pass table built from passes.def, and lookups by name. */
#include "passes/pass.h"

#include <string.h>

static const dl_pass PASSES[] = {
#define PASS(FUNCTION, NAME, DESCRIPTION) {NAME, DESCRIPTION, FUNCTION},
#include "passes/passes.def"
#undef PASS
};

enum { PASS_COUNT = sizeof(PASSES) / sizeof(PASSES[0]) };

int dl_pass_count(void) { return PASS_COUNT; }

const dl_pass *dl_pass_at(int index) {
  return index >= 0 && index < PASS_COUNT ? &PASSES[index] : NULL;
}

const dl_pass *dl_pass_find(const char *name) {
  for (int i = 0; name && i < PASS_COUNT; i++)
    if (strcmp(PASSES[i].name, name) == 0)
      return &PASSES[i];
  return NULL;
}

const char *dl_pass_names(void) {
  /* Each row adds ", name"; skipping the first separator leaves "a, b, c". */
  static const char NAMES[] = ""
#define PASS(FUNCTION, NAME, DESCRIPTION) ", " NAME
#include "passes/passes.def"
#undef PASS
      ;
  return sizeof(NAMES) > 2 ? NAMES + 2 : NAMES;
}
