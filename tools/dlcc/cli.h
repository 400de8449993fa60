/* Shared pieces of the dlcc driver: exit codes, error reporting and the command entry points. */
#ifndef DLCC_TOOLS_CLI_H
#define DLCC_TOOLS_CLI_H

#include <stdio.h>

#include "ir/diag.h"

/* Exit codes of every command (docs/design.md): bad input includes bad options. */
enum { CLI_EXIT_OK = 0, CLI_EXIT_BAD_INPUT = 1, CLI_EXIT_ENVIRONMENT = 2 };
/* `dlcc run --sanitize`: the run finished, and the sanitizer reported a kernel bug. */
enum { CLI_EXIT_SANITIZER = 3 };

/* Writes "dlcc: error: <message>" and then every message of `diag` (may be NULL) to stderr;
 * returns `exit_code` so a command can `return cli_fail(...)`. */
int cli_fail(int exit_code, const dl_diag *diag, const char *format, ...)
    __attribute__((format(printf, 3, 4)));

/* Seconds on a monotonic clock, for timing runs and steps (cli_clock.c). */
double cli_seconds_now(void);

int cmd_inspect_main(int argc, char **argv); /* argv[0] is "inspect" */
void cmd_inspect_help(FILE *out);
int cmd_run_main(int argc, char **argv); /* argv[0] is "run" */
void cmd_run_help(FILE *out);
int cmd_compile_main(int argc, char **argv); /* argv[0] is "compile" */
void cmd_compile_help(FILE *out);
int cmd_train_main(int argc, char **argv); /* argv[0] is "train" */
void cmd_train_help(FILE *out);

#endif
