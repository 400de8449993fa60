/* The driver's clock: seconds on a monotonic clock (cli.h). */
#include <time.h>

#include "cli.h"

double cli_seconds_now(void) {
  struct timespec now;
  clock_gettime(CLOCK_MONOTONIC, &now);
  return (double)now.tv_sec + (double)now.tv_nsec * 1e-9;
}
