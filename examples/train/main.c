/* Trains a network in a C program: the bundle `net` is a training step (dlcc compile --train),
 * this program feeds it shuffled batches of DATA_DIR/input.npy and DATA_DIR/labels.npy for
 * EPOCHS passes, prints every step's loss and saves the trained state (weights, optimizer
 * moments, step counter) to CHECKPOINT, which net_load_state reads back.
 * Usage: train_app DATA_DIR EPOCHS CHECKPOINT */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "net.h"
#include "npy.h"

/* The order of the samples in an epoch: a Fisher-Yates shuffle driven by splitmix64, seeded
 * from the epoch alone (the same order dlcc train --seed=0 uses). */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

static void shuffle(int64_t *order, int64_t count, int64_t epoch) {
  uint64_t state = (uint64_t)epoch;
  for (int64_t i = 0; i < count; i++)
    order[i] = i;
  for (int64_t i = count - 1; i > 0; i--) {
    int64_t j = (int64_t)(next_random(&state) % (uint64_t)(i + 1)), kept = order[i];
    order[i] = order[j];
    order[j] = kept;
  }
}

static int check(int status, const char *what) {
  if (status != DLRT_STATUS_OK)
    fprintf(stderr, "train_app: %s: %s: %s\n", what, dlrt_status_string(status), dlrt_last_error());
  return status;
}

int main(int argc, char **argv) {
  if (argc != 4) {
    fprintf(stderr, "usage: %s DATA_DIR EPOCHS CHECKPOINT\n", argv[0]);
    return 2;
  }
  char path[4096];
  npy x, y;
  snprintf(path, sizeof path, "%s/input.npy", argv[1]);
  if (npy_load(path, &x) != 0)
    return 1;
  snprintf(path, sizeof path, "%s/labels.npy", argv[1]);
  if (npy_load(path, &y) != 0)
    return 1;
  /* The bundle's shapes: input 0 is [batch, sample...], the last input the labels [batch]. */
  const int64_t batch = net_program.inputs[0].dims[0];
  const int64_t sample = (int64_t)(dlrt_tensor_bytes(&net_program.inputs[0]) / 4) / batch;
  const int64_t count = x.dims[0];
  if (strcmp(x.dtype, "<f4") || strcmp(y.dtype, "<i8") || y.dims[0] != count ||
      x.rank != (int)net_program.inputs[0].rank) {
    fprintf(stderr, "train_app: the data does not fit the model (float32 inputs, int64 labels)\n");
    return 1;
  }
  for (int d = 1; d < x.rank; d++)
    if (x.dims[d] != net_program.inputs[0].dims[d]) {
      fprintf(stderr, "train_app: input.npy's samples are not the model's input shape\n");
      return 1;
    }
  float *batch_x = malloc((size_t)(batch * sample) * sizeof(float));
  int64_t *batch_y = malloc((size_t)batch * sizeof(int64_t)), *order = malloc((size_t)count * 8);
  net_model *model = NULL;
  if (!batch_x || !batch_y || !order || check(net_create(&model, NULL), "create") != 0)
    return 1;
  printf("training on %s: %lld samples, batch %lld\n", net_device_name(model), (long long)count,
         (long long)batch);
  const void *pointers[net_INPUT_COUNT] = {batch_x, batch_y};
  struct net_inputs inputs;
  memcpy(&inputs, pointers, sizeof inputs);
  int epochs = atoi(argv[2]);
  int64_t step = 0;
  for (int epoch = 0; epoch < epochs; epoch++) {
    shuffle(order, count, epoch);
    for (int64_t first = 0; first + batch <= count; first += batch) {
      for (int64_t b = 0; b < batch; b++) {
        memcpy(batch_x + b * sample, (const float *)x.data + order[first + b] * sample,
               (size_t)sample * sizeof(float));
        batch_y[b] = ((const int64_t *)y.data)[order[first + b]];
      }
      float loss = 0;
      if (check(net_train_step(model, &inputs, batch_y, &loss), "train step") != 0)
        return 1;
      printf("step %lld epoch %d loss %.9g\n", (long long)++step, epoch + 1, loss);
    }
  }
  if (check(net_save_state(model, argv[3]), "save") != 0)
    return 1;
  printf("trained %lld steps; state saved to %s\n", (long long)step, argv[3]);
  net_destroy(model);
  free(batch_x);
  free(batch_y);
  free(order);
  free(x.data);
  free(y.data);
  return 0;
}
