/* The smallest dlcc application: create the model, run it once on a fixed input, print the
 * output. The bundle (mlp.o, mlp.h) comes from `dlcc compile MODEL -o mlp`. */
#include <stdio.h>
#include <stdlib.h>

#include "mlp.h"

int main(void) {
  /* Sizes come from the header; the input is a fixed ramp in [-1, 1). */
  const dlrt_tensor_desc *input = &mlp_program.inputs[0], *output = &mlp_program.outputs[0];
  uint64_t in_count = 1, out_count = 1;
  for (uint32_t d = 0; d < input->rank; d++)
    in_count *= (uint64_t)input->dims[d];
  for (uint32_t d = 0; d < output->rank; d++)
    out_count *= (uint64_t)output->dims[d];
  float *x = malloc(in_count * sizeof *x), *y = malloc(out_count * sizeof *y);
  if (!x || !y)
    return 1;
  for (uint64_t i = 0; i < in_count; i++)
    x[i] = (float)(i % 16) / 8.0f - 1.0f;

  mlp_model *model = NULL;
  int status = mlp_create(&model, NULL); /* NULL: default options, the best device present */
  struct mlp_inputs inputs = {x};        /* one pointer per model input, in order */
  struct mlp_outputs outputs = {y};
  if (status == DLRT_STATUS_OK)
    status = mlp_run(model, &inputs, &outputs);
  if (status != DLRT_STATUS_OK) {
    fprintf(stderr, "mlp: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
    return 1;
  }
  printf("mlp on %s: %s =", mlp_device_name(model), output->name);
  for (uint64_t i = 0; i < out_count; i++)
    printf(" %.9g", y[i]);
  printf("\n");
  mlp_destroy(model);
  free(x);
  free(y);
  return 0;
}
