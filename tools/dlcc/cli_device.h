/* Which device a command runs on: --device=host|cuda|auto as libdlrt's device kind, and
 * whether a CUDA driver is there at all (PTX is emitted only when it can be loaded). */
#ifndef DLCC_TOOLS_CLI_DEVICE_H
#define DLCC_TOOLS_CLI_DEVICE_H

#include <stdbool.h>

#include "dlrt.h"
#include "tools/dlcc/run_options.h"

/* Whether libcuda.so.1 (or $DLRT_LIBCUDA) can be opened. */
bool cli_cuda_driver_present(void);
/* The runtime's kind of `device`; auto becomes host when the program has no PTX to load. */
dlrt_device_kind cli_dlrt_device(run_device device, bool has_ptx);

#endif
