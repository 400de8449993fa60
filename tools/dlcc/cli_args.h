/* Option-parsing helpers shared by the commands: GCC/clang-style "--name=value" or
 * "--name value", "-O0".."-O3", and uniform error messages. */
#ifndef DLCC_TOOLS_CLI_ARGS_H
#define DLCC_TOOLS_CLI_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "passes/pass.h"

/* Writes "dlcc: error: <format with argument> (see dlcc COMMAND --help)"; returns -1. */
int cli_bad_option(const char *command, const char *format, const char *argument);
/* Matches argv[*index] against "--name=value" or "--name value" (consuming the next
 * argument). 1 and *out_value on a match, 0 when it is another option, -1 when the value is
 * missing (after reporting it). */
int cli_long_value(const char *command, const char *name, int argc, char **argv, int *index,
                   const char **out_value);
/* Appends "NAME=VALUE" option `value` of `option` ("--dim") to `list` (room for `max`):
 * refused when it is not NAME=..., when the list is full, or when another entry names the
 * same NAME (saying both). 0, or -1 after reporting. */
int cli_add_name_value(const char *command, const char *option, const char **list, int *count,
                       int max, const char *value);
/* "-O0".."-O3" → 0..3; -1 when `argument` is not an optimization flag. */
int cli_opt_level(const char *argument);
/* Takes --precision=f32|f16|bf16 at argv[*index] for `command` into *out: 1 when taken, 0
 * when it is another option, -1 after reporting a bad one. */
int cli_precision_option(const char *command, int argc, char **argv, int *index, dl_precision *out);

/* A boolean option: its spelling and the offset of its `bool` in a command's options. */
typedef struct cli_flag {
  const char *name;
  size_t offset;
} cli_flag;
/* Sets the flag of `flags` spelled `argument` in `options`; false when none matches. */
bool cli_set_flag(const char *argument, const cli_flag *flags, size_t count, void *options);
/* The options every command's parser takes first: "-O0".."-O3" into *opt_level, or a flag of
 * `flags`. True when `argument` was one of them. */
bool cli_common_option(const char *argument, int *opt_level, const cli_flag *flags, size_t count,
                       void *options);

/* Handles the option at argv[*index] (consuming values by advancing *index): 0, or -1 after
 * reporting an error. */
typedef int (*cli_option_parser)(int argc, char **argv, int *index, void *options);
/* Walks a command's arguments: the resource limits --max-file-size, --max-tensor-size and
 * --max-nodes (BYTES or COUNT, with an optional K/M/G/T suffix) are taken here for every
 * command and set for the process; each other "-x"/"--x" goes to `parse_option` (until a lone "--",
 * after which everything is positional); the one positional argument is the model, stored in
 * *model_path ("more than one model given" otherwise). 0 ok, -1 after reporting. */
int cli_parse_arguments(const char *command, int argc, char **argv, cli_option_parser parse_option,
                        void *options, const char **model_path);

#endif
