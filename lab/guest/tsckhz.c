/*
 * tsckhz.c - print this machine's TSC frequency in kHz, for tsc_early_khz=.
 *
 * Under QEMU's TCG the guest's TSC is the host's (QEMU reads the host TSC
 * for the guest's rdtsc), but the guest kernel does not know its frequency
 * and calibrates it against the emulated PIT.  On a loaded host that
 * calibration was measured to take 12 s of the boot and to come out
 * wrong; telling the kernel the frequency (tsc_early_khz=) skips it.  The
 * build writes the value into build/guest/cmdline.
 *
 * Method: TSC against CLOCK_MONOTONIC (the clock QEMU's timers follow) over
 * 5 intervals of 40 ms, each end bracketed by two clock reads; the median
 * of the 5 is printed.  Exit 1 (and no output) on other architectures or
 * when the samples disagree by more than 0.1 %.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#if defined(__x86_64__) || defined(__i386__)
#include <x86intrin.h>

static double
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e9 + (double)ts.tv_nsec;
}

/* One (time, tsc) point: the tsc read between the tightest pair of clock
 * reads out of a few tries. */
static void
point(double *t, uint64_t *tsc)
{
	double best = 1e18;

	for (int i = 0; i < 20; i++) {
		double a = mono_ns();
		uint64_t c = __rdtsc();
		double b = mono_ns();

		if (b - a < best) {
			best = b - a;
			*t = (a + b) / 2;
			*tsc = c;
		}
	}
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

int
main(void)
{
	struct timespec nap = { 0, 40 * 1000 * 1000 };
	double khz[5];

	for (int i = 0; i < 5; i++) {
		double t0, t1;
		uint64_t c0, c1;

		point(&t0, &c0);
		nanosleep(&nap, NULL);
		point(&t1, &c1);
		khz[i] = (double)(c1 - c0) / (t1 - t0) * 1e6;
	}
	qsort(khz, 5, sizeof(khz[0]), cmp_double);
	if (khz[0] <= 0 || (khz[4] - khz[0]) / khz[2] > 0.001) {
		fprintf(stderr, "tsckhz: samples disagree (%.0f..%.0f kHz)\n",
		    khz[0], khz[4]);
		return 1;
	}
	printf("%.0f\n", khz[2]);
	return 0;
}
#else
int
main(void)
{
	fprintf(stderr, "tsckhz: not an x86 host\n");
	return 1;
}
#endif
