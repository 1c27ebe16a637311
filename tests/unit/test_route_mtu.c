/* test_route_mtu.c - tsn_route_fib_mtu (lib/route_mtu.c) against this
 * host's own FIB: the route to 127.0.0.1 is lo's, with no mtu metric,
 * so its MTU is lo's as /sys says it. */
#include <criterion/criterion.h>
#include <stdio.h>
#include <sys/socket.h>

#include "lib/route_mtu.h"

Test(route_mtu, loopback_is_los)
{
	const uint8_t lo4[4] = { 127, 0, 0, 1 };
	unsigned mtu = 0, want = 0;
	FILE *f = fopen("/sys/class/net/lo/mtu", "r");

	cr_assert_not_null(f);
	cr_assert_eq(fscanf(f, "%u", &want), 1);
	fclose(f);
	cr_assert_eq(tsn_route_fib_mtu(AF_INET, lo4, &mtu), 0);
	cr_assert_eq(mtu, want, "%u, lo's %u", mtu, want);
}
