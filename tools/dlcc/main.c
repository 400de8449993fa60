/* dlcc command-line driver: dispatches `dlcc COMMAND ...` and answers --help and --version. */
#include <stdio.h>
#include <string.h>

#include "tools/dlcc/cli.h"

#ifndef DLCC_VERSION
#define DLCC_VERSION "unknown"
#endif
#ifndef DLCC_LLVM_VERSION
#define DLCC_LLVM_VERSION "unknown"
#endif

typedef struct command {
  const char *name;
  const char *summary;
  int (*main)(int argc, char **argv);
  void (*help)(FILE *out);
} command;

static const command COMMANDS[] = {
    {"inspect", "load a model, optimize it and print its graph (text IR, DOT or JSON)",
     cmd_inspect_main, cmd_inspect_help},
    {"compile", "compile a model ahead of time into a bundle for C programs, PTX, LLVM IR or text IR",
     cmd_compile_main, cmd_compile_help},
    {"run", "compile a model in process and run it on the host or a GPU", cmd_run_main,
     cmd_run_help},
    {"train", "compile a model's training step and train it on .npy data", cmd_train_main,
     cmd_train_help},
};
enum { COMMAND_COUNT = sizeof(COMMANDS) / sizeof(COMMANDS[0]) };

static const command *find_command(const char *name) {
  for (int i = 0; i < COMMAND_COUNT; i++)
    if (strcmp(COMMANDS[i].name, name) == 0)
      return &COMMANDS[i];
  return NULL;
}

static void write_usage(FILE *out) {
  fputs("usage: dlcc COMMAND [options]\n"
        "\n"
        "dlcc compiles neural networks (ONNX or .dlir text IR) ahead of time.\n"
        "\n"
        "commands:\n",
        out);
  for (int i = 0; i < COMMAND_COUNT; i++)
    fprintf(out, "  %-10s %s\n", COMMANDS[i].name, COMMANDS[i].summary);
  fputs("\n"
        "  dlcc help COMMAND   (or dlcc COMMAND --help) shows a command's options\n"
        "  dlcc --version      shows the version\n",
        out);
}

static int unknown_command(const char *name) {
  return cli_fail(CLI_EXIT_BAD_INPUT, NULL, "unknown command '%s' (see dlcc --help)", name);
}

static int help_main(int argc, char **argv) {
  if (argc < 2) {
    write_usage(stdout);
    return CLI_EXIT_OK;
  }
  const command *target = find_command(argv[1]);
  if (!target)
    return unknown_command(argv[1]);
  target->help(stdout);
  return CLI_EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    write_usage(stderr);
    return CLI_EXIT_BAD_INPUT;
  }
  const char *first = argv[1];
  if (strcmp(first, "--help") == 0 || strcmp(first, "-h") == 0) {
    write_usage(stdout);
    return CLI_EXIT_OK;
  }
  if (strcmp(first, "--version") == 0) {
    printf("dlcc version %s (LLVM %s)\n", DLCC_VERSION, DLCC_LLVM_VERSION);
    return CLI_EXIT_OK;
  }
  if (strcmp(first, "help") == 0)
    return help_main(argc - 1, argv + 1);
  if (first[0] == '-')
    return cli_fail(CLI_EXIT_BAD_INPUT, NULL, "unknown option '%s' (see dlcc --help)", first);
  const command *target = find_command(first);
  if (!target)
    return unknown_command(first);
  return target->main(argc - 1, argv + 1);
}
