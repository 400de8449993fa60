/* Files dlcc writes: each is written under a temporary name in its own folder and renamed
 * into place when complete (a failure leaves the old file, or none, never half a file), and
 * refused when it would replace a file the model was read from. */
#ifndef DLCC_TOOLS_OUTPUT_FILE_H
#define DLCC_TOOLS_OUTPUT_FILE_H

#include <stdio.h>

#include "ir/diag.h"
#include "ir/input_file.h"

typedef struct cli_output {
  char *path;      /* the final name */
  char *temp_path; /* where the bytes go until cli_output_commit */
  FILE *stream;    /* open on temp_path; NULL once closed */
} cli_output;

/* Refuses `path` (-1 after a message naming it and `what` it is) when it names one of
 * `inputs` (NULL: none), by device and inode, whatever path spells it. */
int cli_output_check(const char *path, const char *what, const dl_file_set *inputs, dl_diag *diag);

/* Creates the temporary file next to `path`; 0, or -1 after a message. */
int cli_output_open(cli_output *out, const char *path, dl_diag *diag);
/* Flushes, closes and renames the file into place; -1 after a message (the temporary file is
 * removed and `path` left as it was). Releases `out` either way. */
int cli_output_commit(cli_output *out, dl_diag *diag);
/* Removes the temporary file and releases `out`. */
void cli_output_discard(cli_output *out);

/* Writes one output of a command: `write` fills `out` (`path` is NULL on standard output)
 * and returns a CLI exit code. `path` "-" is standard output; any other is refused when it
 * is one of `inputs`, else written whole or not at all. Returns a CLI exit code after
 * reporting the failure. */
typedef int (*cli_write_fn)(FILE *out, const char *path, void *context, dl_diag *diag);
int cli_write_output(const char *path, const dl_file_set *inputs, cli_write_fn write,
                     void *context, dl_diag *diag);

#endif
