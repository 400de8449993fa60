/* Status names and the thread-local last-error text behind dlrt_last_error(). */
#include "runtime/error.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Large enough for a failing call plus a PTX JIT log excerpt. */
static _Thread_local char last_error_text[8192];

const char *dlrt_status_string(int status) {
  switch (status) {
  case DLRT_STATUS_OK:
    return "DLRT_STATUS_OK";
  case DLRT_STATUS_INVALID_ARGUMENT:
    return "DLRT_STATUS_INVALID_ARGUMENT";
  case DLRT_STATUS_INVALID_PROGRAM:
    return "DLRT_STATUS_INVALID_PROGRAM";
  case DLRT_STATUS_NO_DEVICE:
    return "DLRT_STATUS_NO_DEVICE";
  case DLRT_STATUS_OUT_OF_MEMORY:
    return "DLRT_STATUS_OUT_OF_MEMORY";
  case DLRT_STATUS_MODULE_LOAD:
    return "DLRT_STATUS_MODULE_LOAD";
  case DLRT_STATUS_DEVICE_ERROR:
    return "DLRT_STATUS_DEVICE_ERROR";
  case DLRT_STATUS_INTERNAL:
    return "DLRT_STATUS_INTERNAL";
  case DLRT_STATUS_INDEX_OUT_OF_RANGE:
    return "DLRT_STATUS_INDEX_OUT_OF_RANGE";
  default:
    return "DLRT_STATUS_UNKNOWN";
  }
}

const char *dlrt_last_error(void) { return last_error_text; }

int dlrt_error(int status, const char *format, ...) {
  va_list args;
  va_start(args, format);
  vsnprintf(last_error_text, sizeof last_error_text, format, args);
  va_end(args);
  return status;
}

void dlrt_error_append(const char *format, ...) {
  size_t used = strlen(last_error_text);
  if (used + 1 >= sizeof last_error_text)
    return;
  va_list args;
  va_start(args, format);
  vsnprintf(last_error_text + used, sizeof last_error_text - used, format, args);
  va_end(args);
}

void dlrt_error_clear(void) { last_error_text[0] = '\0'; }
