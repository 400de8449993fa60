/* Parsing of --dim and --bind, shared by the commands that load a model (see model_source.h). */
#include "tools/dlcc/model_source.h"

#include "tools/dlcc/cli_args.h"

int cli_model_source_option(const char *command, int argc, char **argv, int *index,
                            cli_model_source *out) {
  const char *value = NULL;
  int match = cli_long_value(command, "--dim", argc, argv, index, &value);
  if (match != 0)
    return match < 0 || cli_add_name_value(command, "--dim", out->dims, &out->num_dims,
                                           CLI_MAX_MODEL_VALUES, value) != 0
               ? -1
               : 1;
  match = cli_long_value(command, "--bind", argc, argv, index, &value);
  if (match != 0)
    return match < 0 || cli_add_name_value(command, "--bind", out->binds, &out->num_binds,
                                           CLI_MAX_MODEL_VALUES, value) != 0
               ? -1
               : 1;
  return 0;
}
