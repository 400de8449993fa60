/* Reading files dlcc did not write: only regular files (a FIFO, device or folder is refused
 * without blocking on it), within a size limit, and remembered by identity so that no
 * output ever replaces a file the model was read from. */
#ifndef DLCC_IR_INPUT_FILE_H
#define DLCC_IR_INPUT_FILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "ir/diag.h"

/* A file's identity: the same file whatever path names it (links, "./", hard links). */
typedef struct dl_file_id {
  uint64_t device, inode;
} dl_file_id;

/* Files a model was read from (the model, its side files, external data, --input files). */
typedef struct dl_file_set {
  dl_file_id *ids;
  int count;
  size_t capacity;
} dl_file_set;

/* Opens `path` read-only. Returns a file descriptor, or -1 after a message naming `path`
 * when it cannot be opened, is not a regular file, or holds more than `max_bytes`. */
int dl_input_open(const char *path, uint64_t max_bytes, uint64_t *out_size, dl_file_id *out_id,
                  dl_diag *diag);

/* The whole file in malloc'ed memory with a NUL after its last byte (for text readers);
 * NULL after a message. `out_id` may be NULL. */
void *dl_input_read(const char *path, uint64_t max_bytes, size_t *out_size, dl_file_id *out_id,
                    dl_diag *diag);

/* Identity of the file at `path` (following links); false if there is none. */
bool dl_file_id_of(const char *path, dl_file_id *out_id);

int dl_file_set_add(dl_file_set *set, dl_file_id id); /* 0, or -1 when out of memory */
bool dl_file_set_contains(const dl_file_set *set, dl_file_id id);
void dl_file_set_deinit(dl_file_set *set);

#endif
