/* The training part of a bundle's header (dlcc compile --train): NAME_train_step, one
 * optimizer step on one batch, over the program whose last input is the labels and whose only
 * output is the loss. */
#include <stdio.h>

#include "codegen/bundle/bundle_internal.h"

void dl_bundle_put_train_api(FILE *out, const dlrt_program *program,
                             const dl_bundle_names *names, const char *name) {
  const char *labels = names->inputs[program->input_count - 1];
  const char *labels_type = dl_bundle_c_type(program->inputs[program->input_count - 1].dtype);
  fprintf(out,
          "\n/* Training (dlcc compile --train): one step of the optimizer on one batch. The\n"
          " * program's inputs are the model's and then the labels (inputs->%s, replaced by\n"
          " * `labels`); its one output is the batch's loss before the update. The weights, the\n"
          " * optimizer's moments and the step counter are states: %s_save_state and\n"
          " * %s_load_state checkpoint them, %s_get_state reads the trained weights. */\n"
          "#define %s_TRAINING 1\n"
          "static inline int %s_train_step(%s_model *model, const struct %s_inputs *inputs,\n"
          "                                const %s *labels, float *loss) {\n"
          "  struct %s_inputs batch = *inputs;\n"
          "  struct %s_outputs outputs = {loss};\n"
          "  batch.%s = labels;\n"
          "  return %s_run(model, &batch, &outputs);\n"
          "}\n",
          labels, name, name, name, name, name, name, name, labels_type, name, name, labels,
          name);
}
