/* Option-parsing helpers shared by the commands (see cli_args.h). */
#include "tools/dlcc/cli_args.h"

#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ir/limits.h"

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

int cli_add_name_value(const char *command, const char *option, const char **list, int *count,
                       int max, const char *value) {
  if (!strchr(value, '=') || value[0] == '=') {
    fprintf(stderr, "dlcc: error: %s needs NAME=VALUE, got '%s' (see dlcc %s --help)\n", option,
            value, command);
    return -1;
  }
  if (*count == max) {
    fprintf(stderr, "dlcc: error: too many %s options (at most %d), at '%s'\n", option, max, value);
    return -1;
  }
  size_t name_length = (size_t)(strchr(value, '=') - value) + 1;
  for (int i = 0; i < *count; i++)
    if (strncmp(list[i], value, name_length) == 0) {
      fprintf(stderr, "dlcc: error: %s '%s' and '%s' name the same %.*s (see dlcc %s --help)\n",
              option, list[i], value, (int)name_length - 1, value, command);
      return -1;
    }
  list[(*count)++] = value;
  return 0;
}

int cli_opt_level(const char *argument) {
  if (argument[0] == '-' && argument[1] == 'O' && argument[2] >= '0' && argument[2] <= '3' &&
      !argument[3])
    return argument[2] - '0';
  return -1;
}

int cli_precision_option(const char *command, int argc, char **argv, int *index,
                         dl_precision *out) {
  const char *value = NULL;
  int match = cli_long_value(command, "--precision", argc, argv, index, &value);
  if (match <= 0)
    return match;
  if (dl_precision_parse(value, out) != 0)
    return cli_bad_option(command, "unknown --precision '%s' (known: f32, f16, bf16)", value);
  return 1;
}

bool cli_set_flag(const char *argument, const cli_flag *flags, size_t count, void *options) {
  for (size_t i = 0; i < count; i++)
    if (strcmp(argument, flags[i].name) == 0) {
      *(bool *)((char *)options + flags[i].offset) = true;
      return true;
    }
  return false;
}

bool cli_common_option(const char *argument, int *opt_level, const cli_flag *flags, size_t count,
                       void *options) {
  int level = cli_opt_level(argument);
  if (level >= 0)
    *opt_level = level;
  return level >= 0 || cli_set_flag(argument, flags, count, options);
}

/* A size: a number with an optional binary suffix K, M, G or T. */
static bool parse_size(const char *text, uint64_t *out) {
  char *end;
  errno = 0;
  unsigned long long value = strtoull(text, &end, 10);
  if (end == text || errno || text[0] == '-')
    return false;
  int shift = *end == 'K' ? 10 : *end == 'M' ? 20 : *end == 'G' ? 30 : *end == 'T' ? 40 : 0;
  if (shift)
    end++;
  if (*end || value > (UINT64_MAX >> shift))
    return false;
  *out = (uint64_t)value << shift;
  return true;
}

/* The resource-limit options every command takes (docs/security.md): 1 when argv[*index] was
 * one, 0 when not, -1 after reporting a bad value. */
static int limit_option(const char *command, int argc, char **argv, int *index) {
  dl_limits limits = *dl_limits_get();
  const char *value = NULL;
  uint64_t size = 0;
  int match;
  if ((match = cli_long_value(command, "--max-file-size", argc, argv, index, &value)) != 0) {
    if (match < 0 || !parse_size(value, &size) || size == 0)
      return match < 0 ? -1 : cli_bad_option(command, "bad --max-file-size '%s'", value);
    limits.max_file_bytes = size;
  } else if ((match = cli_long_value(command, "--max-tensor-size", argc, argv, index, &value))) {
    if (match < 0 || !parse_size(value, &size) || size == 0)
      return match < 0 ? -1 : cli_bad_option(command, "bad --max-tensor-size '%s'", value);
    limits.max_tensor_bytes = size;
  } else if ((match = cli_long_value(command, "--max-nodes", argc, argv, index, &value)) != 0) {
    if (match < 0 || !parse_size(value, &size) || size == 0 || size > INT32_MAX)
      return match < 0 ? -1 : cli_bad_option(command, "bad --max-nodes '%s'", value);
    limits.max_nodes = (int64_t)size;
  } else {
    return 0;
  }
  dl_limits_set(&limits);
  return 1;
}

int cli_parse_arguments(const char *command, int argc, char **argv, cli_option_parser parse_option,
                        void *options, const char **model_path) {
  bool only_positional = false;
  for (int i = 1; i < argc; i++) {
    const char *argument = argv[i];
    if (!only_positional && strcmp(argument, "--") == 0) {
      only_positional = true;
    } else if (!only_positional && argument[0] == '-' && argument[1]) {
      int limit = limit_option(command, argc, argv, &i);
      if (limit < 0 || (limit == 0 && parse_option(argc, argv, &i, options) != 0))
        return -1;
    } else if (*model_path) {
      return cli_bad_option(command, "more than one model given ('%s')", argument);
    } else {
      *model_path = argument;
    }
  }
  return 0;
}
