/* busy: burns CPU in a loop the compiler cannot remove.
 *
 *   busy ITERATIONS [ignored...]    a fixed amount of work
 *   busy -t SECONDS [ignored...]    until the process's own CPU clock reaches SECONDS
 *
 * -t gives every job the same CPU time however fast the machine runs at the moment: this
 * guest has no steal accounting, so time the host takes away shows up as the job's CPU
 * time, and a fixed amount of work lasts longer whenever another tenant is busy.
 */
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double cpu_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int main(int argc, char **argv)
{
    volatile unsigned long x = 0;
    if (argc > 2 && strcmp(argv[1], "-t") == 0) {
        double until = strtod(argv[2], NULL);
        /* ~0.1 ms of work between clock reads: the clock is a system call here */
        while (cpu_seconds() < until)
            for (unsigned long i = 0; i < 100000; i++)
                x = x + i;
        return 0;
    }
    unsigned long n = argc > 1 ? strtoul(argv[1], NULL, 10) : 100000000UL;
    for (unsigned long i = 0; i < n; i++)
        x = x + i;
    return (int)(x & 0);
}
