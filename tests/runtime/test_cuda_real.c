/* The sample program on a real NVIDIA GPU through the real driver; skipped (exit 77) on
 * machines without one, which is every CI machine: scripts/gpu-check runs it for real. */
#include <stdio.h>
#include <string.h>

#include "sample_program.h"

int main(void) {
  static float x[SAMPLE_N], y[SAMPLE_N], sum[SAMPLE_N], partials[SAMPLE_BLOCKS];
  static float expected_sum[SAMPLE_N], expected_partials[SAMPLE_BLOCKS];
  sample_data(x, y, expected_sum, expected_partials);
  dlrt_options options = {.device = DLRT_DEVICE_CUDA};
  dlrt_model *model = NULL;
  int status = dlrt_model_create(sample_program(), &options, &model);
  if (status == DLRT_STATUS_NO_DEVICE) {
    printf("SKIP: %s\n", dlrt_last_error());
    return 77;
  }
  if (status) {
    printf("FAIL: dlrt_model_create: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
    return 1;
  }
  printf("running on %s\n", dlrt_model_device_name(model));
  const void *inputs[] = {x, y};
  void *outputs[] = {sum, partials};
  int wrong = 0;
  for (int repeat = 0; repeat < 3 && !status; repeat++) {
    memset(sum, 0, sizeof sum);
    memset(partials, 0, sizeof partials);
    status = dlrt_model_run(model, inputs, outputs);
    for (int i = 0; !status && i < SAMPLE_N; i++)
      wrong += sum[i] != expected_sum[i];
    for (int b = 0; !status && b < SAMPLE_BLOCKS; b++)
      wrong +=
          partials[b] < expected_partials[b] - 1e-3f || partials[b] > expected_partials[b] + 1e-3f;
  }
  if (status)
    printf("FAIL: dlrt_model_run: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
  dlrt_model_destroy(model);
  printf("%d wrong values\n", wrong);
  return status || wrong ? 1 : 0;
}
