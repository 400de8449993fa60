/* `dlcc run --profile`: where the run's time goes, by kernel. */
#ifndef DLCC_TOOLS_RUN_PROFILE_H
#define DLCC_TOOLS_RUN_PROFILE_H

#include <stdio.h>

#include "dlrt.h"

/* Prints the kernels of a model created with dlrt_options.profile, most time first: launches
 * per run, mean time per run, share of the launches' total, and the node of its first launch
 * (`launch_nodes`: one name per launch, or NULL). 0 ok, -1 (nothing printed) when the model
 * holds no profile. */
int run_profile_print(const dlrt_program *program, const dlrt_model *model,
                      const char *const *launch_nodes, FILE *out);

#endif
