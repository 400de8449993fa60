/* The state functions of a bundle (tests/bundle/Inputs/counter.dlir), the way an application
 * calls them: run, read the count, save a checkpoint, run on, load it back, set the count.
 * usage: counter_states CHECKPOINT_PATH; exit 0 when every step gives what it should. */
#include <stdio.h>
#include <string.h>

#include "counter.h"

#define CHECK(condition)                                                                   \
  do {                                                                                     \
    if (!(condition)) {                                                                    \
      fprintf(stderr, "counter_states: %s failed: %s\n", #condition, dlrt_last_error());  \
      return 1;                                                                            \
    }                                                                                      \
  } while (0)

int main(int argc, char **argv) {
  if (argc != 2)
    return fprintf(stderr, "usage: counter_states CHECKPOINT_PATH\n"), 2;
  counter_model *model = NULL;
  float out = -1, n = -1, ten = 10;
  struct counter_inputs inputs = {0};
  struct counter_outputs outputs = {&out};
  CHECK(counter_STATE_COUNT == 1);
  CHECK(counter_create(&model, NULL) == 0);
  CHECK(counter_state_count(model) == 1);
  CHECK(counter_run(model, &inputs, &outputs) == 0 && out == 0);
  CHECK(counter_run(model, &inputs, &outputs) == 0 && out == 1);
  CHECK(counter_get_state(model, 0, &n) == 0 && n == 2);
  CHECK(counter_save_state(model, argv[1]) == 0);
  CHECK(counter_run(model, &inputs, &outputs) == 0 && out == 2);
  CHECK(counter_load_state(model, argv[1]) == 0);
  CHECK(counter_run(model, &inputs, &outputs) == 0 && out == 2);
  CHECK(counter_set_state(model, 0, &ten) == 0);
  CHECK(counter_run(model, &inputs, &outputs) == 0 && out == 10);
  CHECK(counter_get_state(model, 1, &n) == DLRT_STATUS_INVALID_ARGUMENT);
  counter_destroy(model);
  printf("counter_states: ok\n");
  return 0;
}
