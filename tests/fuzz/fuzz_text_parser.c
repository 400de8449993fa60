/* libFuzzer target for the .dlir reader: no input may crash or leak, and whatever parses
 * must print, parse again and print byte-identically (the round-trip contract). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "frontend/text/text_parse.h"
#include "ir/print.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  dl_diag diag;
  dl_diag_init(&diag);
  /* A folder that does not exist: relative side files fail as "cannot open". */
  ir_graph *graph =
      dl_text_parse_string((const char *)data, size, "fuzz.dlir", "/nonexistent-dlcc-fuzz", &diag);
  if (graph) {
    char *first = ir_print_to_string(graph, NULL, &diag);
    ir_graph *again = first ? dl_text_parse_string(first, strlen(first), "printed.dlir",
                                                   "/nonexistent-dlcc-fuzz", &diag)
                            : NULL;
    char *second = again ? ir_print_to_string(again, NULL, &diag) : NULL;
    if (!first || !second || strcmp(first, second) != 0)
      __builtin_trap(); /* a printed graph must read back to the same text */
    free(first);
    free(second);
    ir_graph_destroy(again);
    ir_graph_destroy(graph);
  }
  dl_diag_deinit(&diag);
  return 0;
}
