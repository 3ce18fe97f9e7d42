/* busy ITERATIONS [ignored...]: burns CPU in a loop the compiler cannot remove. */
#include <stdlib.h>

int main(int argc, char **argv)
{
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000UL;
    volatile unsigned long x = 0;
    for (unsigned long i = 0; i < n; i++)
        x = x + i;
    return (int)(x & 0);
}
