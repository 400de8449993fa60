/* Text IR to a file with a side file for large constants (see text_ir_write.h). */
#include "tools/dlcc/text_ir_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "ir/print.h"

int cli_write_text_ir(const ir_graph *graph, FILE *out, const char *path, bool elide_constants,
                      dl_diag *diag) {
  ir_print_options print = {.elide_constants = elide_constants};
  char *side_path = NULL;
  if (path) {
    size_t length = strlen(path);
    side_path = malloc(length + sizeof(".bin"));
    if (!side_path)
      return dl_error(diag, "out of memory");
    memcpy(side_path, path, length);
    memcpy(side_path + length, ".bin", sizeof(".bin"));
    /* A side file left by an earlier dump would mislead whoever reads this one. */
    if (unlink(side_path) != 0 && errno != ENOENT)
      dl_error(diag, "%s: cannot remove the old side file: %s", side_path, strerror(errno));
    if (!elide_constants) {
      const char *slash = strrchr(side_path, '/');
      print.side_file_path = side_path;
      print.side_file_ref = slash ? slash + 1 : side_path;
    }
  }
  int status = dl_diag_has_errors(diag) ? -1 : ir_print_graph(graph, out, &print, diag);
  free(side_path);
  return status;
}
