/* Text IR to a file with a side file for large constants (see text_ir_write.h). */
#include "tools/dlcc/text_ir_write.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "ir/print.h"
#include "tools/dlcc/cli.h"
#include "tools/dlcc/output_file.h"

/* The side file is replaced or removed, so its name must be free or hold a regular file (not
 * a device, pipe, folder or link: those are not dlcc's to replace). */
static bool is_replaceable(const char *side_path, dl_diag *diag) {
  struct stat info;
  if (lstat(side_path, &info) != 0 || S_ISREG(info.st_mode))
    return true;
  dl_error(diag, "%s: cannot write the side file there: it is not a regular file", side_path);
  return false;
}

/* A side file left by an earlier dump would mislead whoever reads this one. */
static int remove_stale_side_file(const char *side_path, dl_diag *diag) {
  if (unlink(side_path) == 0 || errno == ENOENT)
    return CLI_EXIT_OK;
  dl_error(diag, "%s: cannot remove the old side file: %s", side_path, strerror(errno));
  return CLI_EXIT_ENVIRONMENT;
}

/* Prints with large constants going to `side` (open on its temporary file), then puts the
 * side file in place, or removes the stale one when no constant needed it. */
static int print_with_side_file(const ir_graph *graph, FILE *out, cli_output *side,
                                dl_diag *diag) {
  /* The printer opens the side file itself on the first large constant. */
  fclose(side->stream);
  side->stream = NULL;
  const char *slash = strrchr(side->path, '/');
  ir_print_options print = {.side_file_path = side->temp_path,
                            .side_file_ref = slash ? slash + 1 : side->path};
  struct stat info;
  if (ir_print_graph(graph, out, &print, diag) != 0) {
    cli_output_discard(side);
    return CLI_EXIT_ENVIRONMENT;
  }
  if (stat(side->temp_path, &info) == 0 && info.st_size > 0)
    return cli_output_commit(side, diag) == 0 ? CLI_EXIT_OK : CLI_EXIT_ENVIRONMENT;
  int exit_code = remove_stale_side_file(side->path, diag);
  cli_output_discard(side);
  return exit_code;
}

int cli_write_text_ir(const ir_graph *graph, FILE *out, const char *path, bool elide_constants,
                      dl_diag *diag) {
  ir_print_options elided = {.elide_constants = true};
  if (!path)
    return ir_print_graph(graph, out, &elided, diag) == 0 ? CLI_EXIT_OK : CLI_EXIT_ENVIRONMENT;
  size_t length = strlen(path);
  char *side_path = malloc(length + sizeof(".bin"));
  if (!side_path) {
    dl_error(diag, "out of memory");
    return CLI_EXIT_ENVIRONMENT;
  }
  memcpy(side_path, path, length);
  memcpy(side_path + length, ".bin", sizeof(".bin"));
  cli_output side = {0};
  int exit_code = CLI_EXIT_OK;
  if (cli_output_check(side_path, "the side file", &graph->source_files, diag) != 0)
    exit_code = CLI_EXIT_BAD_INPUT;
  else if (!is_replaceable(side_path, diag))
    exit_code = CLI_EXIT_ENVIRONMENT;
  else if (elide_constants)
    exit_code = ir_print_graph(graph, out, &elided, diag) == 0
                    ? remove_stale_side_file(side_path, diag)
                    : CLI_EXIT_ENVIRONMENT;
  else if (cli_output_open(&side, side_path, diag) != 0)
    exit_code = CLI_EXIT_ENVIRONMENT;
  else
    exit_code = print_with_side_file(graph, out, &side, diag);
  free(side_path);
  return exit_code;
}
