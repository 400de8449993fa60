/* The data `dlcc train` learns from: one .npy per model input in a folder, named after the
 * input (DIR/NAME.npy), and DIR/labels.npy; the first axis of each is the sample. Samples are
 * split into training and held-out sets, shuffled per epoch from the seed, and gathered into
 * batches of the model's batch size. */
#ifndef DLCC_TOOLS_TRAIN_DATA_H
#define DLCC_TOOLS_TRAIN_DATA_H

#include <stdbool.h>
#include <stdint.h>

#include "ir/diag.h"
#include "ir/type.h"

enum { TRAIN_MAX_TENSORS = 16 };

/* What the compiled step expects of one tensor: its name, element type and the type of one
 * sample (the dims after the batch axis). */
typedef struct train_slot {
  const char *name;
  ir_dtype dtype;
  int rank; /* of one sample */
  int64_t dims[IR_MAX_RANK];
} train_slot;

/* One tensor of a data set: `count` samples of `sample_bytes` each, converted to the slot's
 * element type. */
typedef struct train_tensor {
  unsigned char *data;
  int64_t sample_bytes;
} train_tensor;

typedef struct train_data {
  int num_tensors; /* the model inputs, then the labels */
  train_tensor tensors[TRAIN_MAX_TENSORS];
  int64_t count; /* samples */
} train_data;

/* Loads DIR/<slot name>.npy for each slot (the last slot is the labels: DIR/labels.npy).
 * Each file's first axis is the sample; the rest must equal the slot's sample dims (a file
 * of one rank less than the slot is taken as one value per sample only when the slot's
 * sample has one element). Numbers are converted to the slot's type (float64 to float32,
 * int32 to int64, ...); a float file for an integer slot is refused. Errors name the file
 * and what is wrong. */
int train_data_load(const char *folder, const train_slot *slots, int num_slots, train_data *out,
                    dl_diag *diag);
void train_data_free(train_data *data);
/* The number of samples in a data folder (the first axis of DIR/labels.npy), before the model
 * is compiled (a cosine schedule spans the run's steps); -1 after a message. */
int64_t train_data_count(const char *folder, dl_diag *diag);

/* The samples train_data_split leaves of `count` for training. */
int64_t train_data_split_kept(int64_t count, double fraction);

/* Moves the last `fraction` of the samples (after a shuffle from `seed`, so both sets draw
 * from the whole file) into `held_out`; `data` keeps the rest. */
int train_data_split(train_data *data, double fraction, uint64_t seed, train_data *held_out,
                     dl_diag *diag);

/* The order of the samples in `epoch`: a permutation of 0..count-1 drawn from (seed, epoch)
 * alone, so a resumed run sees the same batches. */
void train_data_order(int64_t count, uint64_t seed, int64_t epoch, int64_t *order);

/* Copies samples order[first .. first+batch-1] of every tensor into buffers[t]. */
void train_data_gather(const train_data *data, const int64_t *order, int64_t first, int64_t batch,
                       void *const *buffers);

#endif
