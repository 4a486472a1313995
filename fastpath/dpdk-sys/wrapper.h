/* Headers bindgen reads. `rte_config.h` comes in through pkg-config's
 * `-include rte_config.h`, exactly as for a C build. */
#include <rte_eal.h>
#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_launch.h>
#include <rte_cycles.h>
#include <rte_dev.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>
#include <rte_ether.h>
#include <rte_ip.h>
#include "shim.h"
