/* Diagnostics list: grows on demand, keeps the first `limit` messages. */
#include "ir/diag.h"

#include "ir/array.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

enum { DIAG_DEFAULT_LIMIT = 1000 };

void dl_diag_init(dl_diag *diag) { memset(diag, 0, sizeof(*diag)); }

void dl_diag_deinit(dl_diag *diag) {
  for (int i = 0; i < diag->stored; i++)
    free(diag->messages[i]);
  free(diag->messages);
  memset(diag, 0, sizeof(*diag));
}

static void diag_store(dl_diag *diag, char *message) {
  int limit = diag->limit > 0 ? diag->limit : DIAG_DEFAULT_LIMIT;
  if (diag->stored >= limit) {
    free(message);
    diag->count++;
    return;
  }
  if (IR_ARRAY_APPEND(NULL, diag->messages, diag->stored, diag->capacity, message) != 0)
    free(message); /* out of memory: counted, not kept */
  diag->count++;
}

int dl_error(dl_diag *diag, const char *format, ...) {
  if (!diag)
    return -1;
  va_list args;
  va_start(args, format);
  int length = vsnprintf(NULL, 0, format, args);
  va_end(args);
  char *message = length >= 0 ? malloc((size_t)length + 1) : NULL;
  if (message) {
    va_start(args, format);
    vsnprintf(message, (size_t)length + 1, format, args);
    va_end(args);
  }
  if (message)
    diag_store(diag, message);
  else
    diag->count++;
  return -1;
}

int dl_diag_has_errors(const dl_diag *diag) { return diag->count > 0; }

const char *dl_diag_message(const dl_diag *diag, int index) {
  if (index < 0 || index >= diag->stored)
    return "";
  return diag->messages[index];
}

void dl_diag_print(const dl_diag *diag, FILE *stream) {
  for (int i = 0; i < diag->stored; i++)
    fprintf(stream, "%s\n", diag->messages[i]);
  if (diag->count > diag->stored)
    fprintf(stream, "(%d more errors not shown)\n", diag->count - diag->stored);
}
