/* Validation of a dlrt_program before anything is allocated for it, so a bad bundle fails
 * with a message naming the launch, argument or tensor instead of a wild pointer later. */
#ifndef DLRT_RUNTIME_PROGRAM_CHECK_H
#define DLRT_RUNTIME_PROGRAM_CHECK_H

#include "dlrt.h"

int dlrt_program_check(const dlrt_program *program);

#endif
