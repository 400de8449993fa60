/* Diagnostics: error messages collected while importing, parsing or checking,
 * so that one run can report every problem at once. */
#ifndef DLCC_IR_DIAG_H
#define DLCC_IR_DIAG_H

#include <stdio.h>

typedef struct dl_diag {
  char **messages;
  int count;
  size_t capacity;
  int limit;  /* stop storing after this many (0: 1000) */
  int stored; /* messages actually kept (count also counts dropped ones) */
} dl_diag;

void dl_diag_init(dl_diag *diag);
void dl_diag_deinit(dl_diag *diag);
/* Appends one message (no trailing newline needed). Always returns -1 so callers
 * can write `return dl_error(diag, ...)`. */
int dl_error(dl_diag *diag, const char *format, ...) __attribute__((format(printf, 2, 3)));
int dl_diag_has_errors(const dl_diag *diag);
/* Prints every message, one a line, to `stream`. */
void dl_diag_print(const dl_diag *diag, FILE *stream);
/* Text of message `index` or "" if there is none. */
const char *dl_diag_message(const dl_diag *diag, int index);

#endif
