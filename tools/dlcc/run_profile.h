/* `dlcc run --profile`: where the run's time goes, by kernel. */
#ifndef DLCC_TOOLS_RUN_PROFILE_H
#define DLCC_TOOLS_RUN_PROFILE_H

#include <stdio.h>

#include "dlrt.h"

/* Prints the kernels of a model created with dlrt_options.profile, most time first: launches
 * per run, mean time per run, share of the launches' total. 0 ok, -1 (nothing printed) when
 * the model holds no profile. */
int run_profile_print(const dlrt_program *program, const dlrt_model *model, FILE *out);

#endif
