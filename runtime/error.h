/* The runtime's error reporting: a status code plus a thread-local message. */
#ifndef DLRT_RUNTIME_ERROR_H
#define DLRT_RUNTIME_ERROR_H

#include "dlrt.h"

/* Sets this thread's last-error text and returns `status`, so callers can write
 * `return dlrt_error(DLRT_STATUS_..., "...")`. */
int dlrt_error(int status, const char *format, ...) __attribute__((format(printf, 2, 3)));
/* Appends text to the last error (e.g. a JIT log after the failing call). */
void dlrt_error_append(const char *format, ...) __attribute__((format(printf, 1, 2)));
void dlrt_error_clear(void);

#endif
