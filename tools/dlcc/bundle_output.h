/* Writing the files of a bundle all or nothing: each goes to a temporary file next to its
 * final name (tools/dlcc/output_file.h), and only when every one is complete are they renamed
 * into place. */
#ifndef DLCC_TOOLS_BUNDLE_OUTPUT_H
#define DLCC_TOOLS_BUNDLE_OUTPUT_H

#include "codegen/bundle/bundle.h"
#include "ir/input_file.h"

/* Writes BASE.o, BASE.h, BASE.json and, when files->weights, BASE.weights, refusing any that
 * would replace one of `inputs` (the model's files). 0, or -1 after a message in diag (no file
 * of the bundle was replaced then, but for a failing rename). */
int cli_write_bundle(const char *base, const dl_bundle_files *files, const dl_file_set *inputs,
                     dl_diag *diag);

#endif
