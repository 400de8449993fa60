/* Writes the sample program's PTX to stdout, for ptxas to check. */
#include <stdio.h>

#include "sample_program.h"

int main(void) { return fputs(sample_ptx_text(), stdout) < 0; }
