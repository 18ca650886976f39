/* sim/main.c: daraja-sim entry point (placeholder until the simulator lands). */
#include <stdio.h>

int main(void)
{
	fprintf(stderr, "daraja-sim: not built yet\n");
	return 70;
}
