/* An application as users write one: links only libdlrt and a "bundle" (the sample
 * program), runs it on the default device and checks the outputs. */
#include <stdio.h>

#include "../sample_program.h"
#include "dlrt.h"

int main(void) {
  static float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  static float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
  sample_data(x, y, expected_sum, expected_partials);
  dlrt_model *model = NULL;
  int status = dlrt_model_create(sample_program(), NULL, &model);
  if (status) {
    fprintf(stderr, "app: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
    return 1;
  }
  const void *inputs[] = {x, y};
  void *outputs[] = {sum, partials};
  status = dlrt_model_run(model, inputs, outputs);
  if (status) {
    fprintf(stderr, "app: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
    dlrt_model_destroy(model);
    return 1;
  }
  int wrong = 0;
  for (int i = 0; i < SAMPLE_N; i++)
    wrong += sum[i] != expected_sum[i];
  for (int b = 0; b < SAMPLE_BLOCKS; b++)
    wrong += partials[b] != expected_partials[b];
  printf("app: ran on %s, %d wrong values\n", dlrt_model_device_name(model), wrong);
  dlrt_model_destroy(model);
  return wrong != 0;
}
