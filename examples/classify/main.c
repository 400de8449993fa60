/* classify IMAGE.ppm: resizes the image to the CNN's input (nearest pixel), normalizes it
 * with the ImageNet mean and deviation, runs the bundle `cnn` and prints the top-5 classes
 * by score. Every image of the model's batch gets the same picture. */
#include <stdio.h>
#include <stdlib.h>

#include "cnn.h"
#include "ppm.h"

static const float MEAN[3] = {0.485f, 0.456f, 0.406f};
static const float DEVIATION[3] = {0.229f, 0.224f, 0.225f};

static uint64_t count_of(const dlrt_tensor_desc *tensor) {
  uint64_t count = 1;
  for (uint32_t d = 0; d < tensor->rank; d++)
    count *= (uint64_t)tensor->dims[d];
  return count;
}

/* NCHW floats from RGB bytes: pixel (y, x) of the model's picture is pixel
 * (y * height / H, x * width / W) of the image. */
static void fill_input(const ppm_image *image, const dlrt_tensor_desc *input, float *pixels) {
  int64_t batch = input->dims[0], channels = input->dims[1], rows = input->dims[2],
          columns = input->dims[3];
  for (int64_t n = 0; n < batch; n++)
    for (int64_t c = 0; c < channels; c++)
      for (int64_t y = 0; y < rows; y++)
        for (int64_t x = 0; x < columns; x++) {
          int64_t source_y = y * image->height / rows, source_x = x * image->width / columns;
          unsigned char value = image->rgb[(source_y * image->width + source_x) * 3 + c % 3];
          *pixels++ = ((float)value / 255.0f - MEAN[c % 3]) / DEVIATION[c % 3];
        }
}

int main(int argc, char **argv) {
  if (argc != 2) {
    fprintf(stderr, "usage: classify IMAGE.ppm\n");
    return 2;
  }
  const dlrt_tensor_desc *input = &cnn_program.inputs[0], *output = &cnn_program.outputs[0];
  if (input->rank != 4 || input->dtype != DLRT_DTYPE_F32 || output->dtype != DLRT_DTYPE_F32) {
    fprintf(stderr, "classify: the model needs one f32 NCHW input and f32 scores\n");
    return 2;
  }
  ppm_image image;
  if (ppm_read(argv[1], &image) != 0)
    return 2;
  float *pixels = malloc(count_of(input) * sizeof *pixels);
  float *scores = malloc(count_of(output) * sizeof *scores);
  if (!pixels || !scores)
    return 1;
  fill_input(&image, input, pixels);
  ppm_free(&image);

  cnn_model *model = NULL;
  int status = cnn_create(&model, NULL);
  struct cnn_inputs inputs = {pixels};
  struct cnn_outputs outputs = {scores};
  if (status == DLRT_STATUS_OK)
    status = cnn_run(model, &inputs, &outputs);
  if (status != DLRT_STATUS_OK) {
    fprintf(stderr, "classify: %s: %s\n", dlrt_status_string(status), dlrt_last_error());
    return 1;
  }
  /* Top 5 of the first image's scores, best first. */
  uint64_t classes = count_of(output) / (uint64_t)output->dims[0];
  int top[5] = {-1, -1, -1, -1, -1};
  for (int rank = 0; rank < 5 && rank < (int)classes; rank++)
    for (uint64_t k = 0; k < classes; k++) {
      int taken = 0;
      for (int r = 0; r < rank; r++)
        taken |= top[r] == (int)k;
      if (!taken && (top[rank] < 0 || scores[k] > scores[top[rank]]))
        top[rank] = (int)k;
    }
  printf("classify on %s:\n", cnn_device_name(model));
  for (int rank = 0; rank < 5 && top[rank] >= 0; rank++)
    printf("  class %d: %.9g\n", top[rank], scores[top[rank]]);
  cnn_destroy(model);
  free(pixels);
  free(scores);
  return 0;
}
