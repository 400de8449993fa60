/* Option-parsing helpers shared by the commands (see cli_args.h). */
#include "tools/dlcc/cli_args.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

int cli_bad_option(const char *command, const char *format, const char *argument) {
  fputs("dlcc: error: ", stderr);
  fprintf(stderr, format, argument);
  fprintf(stderr, " (see dlcc %s --help)\n", command);
  return -1;
}

int cli_long_value(const char *command, const char *name, int argc, char **argv, int *index,
                   const char **out_value) {
  const char *argument = argv[*index];
  size_t length = strlen(name);
  if (strncmp(argument, name, length) != 0)
    return 0;
  if (argument[length] == '=') {
    *out_value = argument + length + 1;
    return 1;
  }
  if (argument[length] != '\0')
    return 0;
  if (*index + 1 >= argc)
    return cli_bad_option(command, "option '%s' needs a value", name);
  *out_value = argv[++*index];
  return 1;
}

int cli_opt_level(const char *argument) {
  if (argument[0] == '-' && argument[1] == 'O' && argument[2] >= '0' && argument[2] <= '3' &&
      !argument[3])
    return argument[2] - '0';
  return -1;
}

bool cli_set_flag(const char *argument, const cli_flag *flags, size_t count, void *options) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(argument, flags[i].name) == 0) {
      *(bool *)((char *)options + flags[i].offset) = true;
      return true;
    }
  return false;
}

int cli_parse_arguments(const char *command, int argc, char **argv, cli_option_parser parse_option,
                        void *options, const char **model_path) {
  bool only_positional = false;
  for (int i = 1; i < argc; i++) {
    const char *argument = argv[i];
    if (!only_positional && strcmp(argument, "--") == 0) {
      only_positional = true;
    } else if (!only_positional && argument[0] == '-' && argument[1]) {
      if (parse_option(argc, argv, &i, options) != 0)
        return -1;
    } else if (*model_path) {
      return cli_bad_option(command, "more than one model given ('%s')", argument);
    } else {
      *model_path = argument;
    }
  }
  return 0;
}
