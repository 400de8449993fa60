/* dlcc command-line driver (placeholder until the CLI lands). */
#include <stdio.h>
int main(void) {
  puts("dlcc 0.1.0");
  return 0;
}
