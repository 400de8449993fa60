/* Loading, splitting, shuffling and batching `dlcc train`'s data (train_data.h). */
#include "tools/dlcc/train_data.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tools/dlcc/npy.h"

static int64_t sample_elements(const train_slot *slot) {
  int64_t count = 1;
  for (int d = 0; d < slot->rank; d++)
    count *= slot->dims[d];
  return count;
}

static const char *file_name(const train_slot *slot, bool labels) {
  return labels ? "labels" : slot->name;
}

/* Whether the file's dims after the first match the slot's sample dims. */
static bool sample_shape_matches(const ir_type *file, const train_slot *slot) {
  if (file->rank == slot->rank + 1) {
    for (int d = 0; d < slot->rank; d++)
      if (file->dims[d + 1] != slot->dims[d])
        return false;
    return true;
  }
  /* [N] for a slot whose sample is one element ([N,1] in the model) */
  return file->rank == 1 && sample_elements(slot) == 1;
}

static void describe_sample(const train_slot *slot, char *text, size_t size) {
  int used = snprintf(text, size, "[N");
  for (int d = 0; d < slot->rank && used < (int)size; d++)
    used += snprintf(text + used, size - (size_t)used, ",%lld", (long long)slot->dims[d]);
  if (used < (int)size)
    snprintf(text + used, size - (size_t)used, "]");
}

static int convert(const npy_array *array, const train_slot *slot, const char *path,
                   train_tensor *out, dl_diag *diag) {
  if (ir_dtype_is_float(array->type.dtype) && !ir_dtype_is_float(slot->dtype))
    return dl_error(diag, "%s: holds %s numbers, but '%s' takes %s", path,
                    ir_dtype_name(array->type.dtype), slot->name, ir_dtype_name(slot->dtype));
  size_t element = ir_dtype_size(slot->dtype);
  if (element == 0 || ir_dtype_size(array->type.dtype) == 0)
    return dl_error(diag, "%s: element type %s is not supported for training data", path,
                    ir_dtype_name(array->type.dtype));
  int64_t total = array->bytes / (int64_t)ir_dtype_size(array->type.dtype);
  out->sample_bytes = sample_elements(slot) * (int64_t)element;
  out->data = malloc(total ? (size_t)total * element : 1);
  if (!out->data)
    return dl_error(diag, "%s: out of memory", path);
  if (array->type.dtype == slot->dtype) {
    memcpy(out->data, array->data, (size_t)array->bytes);
    return 0;
  }
  for (int64_t i = 0; i < total; i++) {
    if (ir_dtype_is_float(slot->dtype))
      ir_element_set_float(slot->dtype, out->data, i,
                           ir_element_get_float(array->type.dtype, array->data, i));
    else
      ir_element_set_int(slot->dtype, out->data, i,
                         ir_element_get_int(array->type.dtype, array->data, i));
  }
  return 0;
}

static int load_one(const char *folder, const train_slot *slot, bool labels, train_data *out,
                    dl_diag *diag) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/%s.npy", folder, file_name(slot, labels)) >=
      (int)sizeof path)
    return dl_error(diag, "%s: the data folder's path is too long", folder);
  npy_array array = {0};
  if (npy_read(path, &array, diag) != 0)
    return dl_error(diag, "%s: %s needs this file (%s for model %s '%s')", folder,
                    labels ? "the loss" : "the model", path, labels ? "labels" : "input",
                    slot->name);
  int status = 0;
  char expected[128], actual[256];
  describe_sample(slot, expected, sizeof expected);
  ir_type_format(&array.type, NULL, actual, sizeof actual);
  if (array.type.rank < 1 || !sample_shape_matches(&array.type, slot))
    status = dl_error(diag, "%s: has shape %s, expected %s (N samples of '%s')", path,
                      actual, expected, slot->name);
  else if (out->num_tensors > 0 && array.type.dims[0] != out->count)
    status = dl_error(diag, "%s: has %lld samples, the other files %lld", path,
                      (long long)array.type.dims[0], (long long)out->count);
  else if (array.type.dims[0] == 0)
    status = dl_error(diag, "%s: holds no samples", path);
  else
    status = convert(&array, slot, path, &out->tensors[out->num_tensors], diag);
  if (status == 0) {
    out->count = array.type.dims[0];
    out->num_tensors++;
  }
  npy_array_free(&array);
  return status;
}

int train_data_load(const char *folder, const train_slot *slots, int num_slots, train_data *out,
                    dl_diag *diag) {
  memset(out, 0, sizeof *out);
  if (num_slots > TRAIN_MAX_TENSORS)
    return dl_error(diag, "the model has %d inputs, more than the %d dlcc train takes",
                    num_slots - 1, TRAIN_MAX_TENSORS - 1);
  for (int i = 0; i < num_slots; i++)
    if (load_one(folder, &slots[i], i == num_slots - 1, out, diag) != 0) {
      train_data_free(out);
      return -1;
    }
  return 0;
}

void train_data_free(train_data *data) {
  for (int i = 0; i < data->num_tensors; i++)
    free(data->tensors[i].data);
  memset(data, 0, sizeof *data);
}

/* splitmix64: a small, well-mixed generator; the order depends on nothing but its seed. */
static uint64_t next_random(uint64_t *state) {
  uint64_t z = (*state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

void train_data_order(int64_t count, uint64_t seed, int64_t epoch, int64_t *order) {
  uint64_t state = seed * 0xD1B54A32D192ED03ull + (uint64_t)epoch;
  for (int64_t i = 0; i < count; i++)
    order[i] = i;
  for (int64_t i = count - 1; i > 0; i--) { /* Fisher-Yates */
    int64_t j = (int64_t)(next_random(&state) % (uint64_t)(i + 1));
    int64_t kept = order[i];
    order[i] = order[j];
    order[j] = kept;
  }
}

void train_data_gather(const train_data *data, const int64_t *order, int64_t first, int64_t batch,
                       void *const *buffers) {
  for (int t = 0; t < data->num_tensors; t++) {
    const train_tensor *tensor = &data->tensors[t];
    for (int64_t b = 0; b < batch; b++)
      memcpy((unsigned char *)buffers[t] + b * tensor->sample_bytes,
             tensor->data + order[first + b] * tensor->sample_bytes,
             (size_t)tensor->sample_bytes);
  }
}

int64_t train_data_count(const char *folder, dl_diag *diag) {
  char path[4096];
  if (snprintf(path, sizeof path, "%s/labels.npy", folder) >= (int)sizeof path)
    return dl_error(diag, "%s: the data folder's path is too long", folder);
  npy_array array = {0};
  if (npy_read(path, &array, diag) != 0)
    return dl_error(diag, "%s: the loss needs this file (%s: the labels)", folder, path);
  int64_t count = array.type.rank > 0 ? array.type.dims[0] : -1;
  npy_array_free(&array);
  if (count < 0)
    return dl_error(diag, "%s: holds a scalar, not one label per sample", path);
  return count;
}

int64_t train_data_split_kept(int64_t count, double fraction) {
  return count - (int64_t)((double)count * fraction);
}

int train_data_split(train_data *data, double fraction, uint64_t seed, train_data *held_out,
                     dl_diag *diag) {
  memset(held_out, 0, sizeof *held_out);
  int64_t kept_out = data->count - train_data_split_kept(data->count, fraction);
  if (kept_out <= 0)
    return 0;
  if (kept_out >= data->count)
    return dl_error(diag, "--val-split=%g leaves no training samples of %lld", fraction,
                    (long long)data->count);
  int64_t *order = malloc((size_t)data->count * sizeof *order);
  if (!order)
    return dl_error(diag, "out of memory");
  train_data_order(data->count, seed, -1, order);
  train_data shuffled = {.num_tensors = data->num_tensors, .count = data->count};
  held_out->num_tensors = data->num_tensors;
  held_out->count = kept_out;
  int status = 0;
  for (int t = 0; t < data->num_tensors && status == 0; t++) {
    int64_t bytes = data->tensors[t].sample_bytes;
    shuffled.tensors[t].sample_bytes = held_out->tensors[t].sample_bytes = bytes;
    shuffled.tensors[t].data = malloc((size_t)(data->count * bytes));
    held_out->tensors[t].data = malloc((size_t)(kept_out * bytes));
    if (!shuffled.tensors[t].data || !held_out->tensors[t].data)
      status = dl_error(diag, "out of memory");
  }
  if (status == 0) {
    void *all[TRAIN_MAX_TENSORS];
    for (int t = 0; t < data->num_tensors; t++)
      all[t] = shuffled.tensors[t].data;
    train_data_gather(data, order, 0, data->count, all);
    for (int t = 0; t < data->num_tensors; t++) {
      int64_t bytes = data->tensors[t].sample_bytes, kept = data->count - kept_out;
      memcpy(held_out->tensors[t].data, shuffled.tensors[t].data + kept * bytes,
             (size_t)(kept_out * bytes));
    }
    shuffled.count = data->count - kept_out;
    train_data_free(data);
    *data = shuffled;
  } else {
    train_data_free(&shuffled);
    train_data_free(held_out);
  }
  free(order);
  return status;
}
