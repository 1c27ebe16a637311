/* route_mtu.h - the MTU of the FIB's route to an address (route_mtu.c).
 */
#ifndef TSN_ROUTE_MTU_H
#define TSN_ROUTE_MTU_H

#include <stdint.h>

/* The mtu metric of the route the FIB holds to dst (4 or 16 bytes of
 * family), else its interface's MTU; never a path MTU the kernel learned.
 * 0 or -errno (-ENOENT: no route). */
int tsn_route_fib_mtu(int family, const uint8_t *dst, unsigned *mtu);

#endif
