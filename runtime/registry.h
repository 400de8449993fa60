/* Model-scoped use of the host-twin registry (the public calls are in dlrt.h). */
#ifndef DLRT_RUNTIME_REGISTRY_H
#define DLRT_RUNTIME_REGISTRY_H

#include "dlrt.h"

/* Registers a program's kernel for one model; each acquire needs one release. */
int dlrt_registry_acquire(const dlrt_kernel *kernel);
void dlrt_registry_release(const dlrt_kernel *kernel);

#endif
