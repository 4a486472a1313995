#include <rte_errno.h>
#include <rte_lcore.h>
#include <rte_cycles.h>
#include <rte_prefetch.h>
#include <rte_pause.h>
#include <rte_ethdev.h>
#include <rte_mbuf.h>
#include <rte_mempool.h>
#include <rte_ring.h>

#include "shim.h"

int shim_rte_errno(void) { return rte_errno; }
void shim_rte_errno_reset(void) { rte_errno = 0; }

unsigned int shim_rte_lcore_id(void) { return rte_lcore_id(); }
uint64_t shim_rte_rdtsc(void) { return rte_rdtsc(); }
void shim_rte_prefetch0(const void *p) { rte_prefetch0(p); }
void shim_rte_pause(void) { rte_pause(); }

uint16_t shim_rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id,
                               struct rte_mbuf **rx_pkts, uint16_t nb_pkts)
{
	return rte_eth_rx_burst(port_id, queue_id, rx_pkts, nb_pkts);
}

uint16_t shim_rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id,
                               struct rte_mbuf **tx_pkts, uint16_t nb_pkts)
{
	return rte_eth_tx_burst(port_id, queue_id, tx_pkts, nb_pkts);
}

struct rte_mbuf *shim_rte_pktmbuf_alloc(struct rte_mempool *mp)
{
	return rte_pktmbuf_alloc(mp);
}

int shim_rte_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **mbufs,
                                unsigned int count)
{
	return rte_pktmbuf_alloc_bulk(mp, mbufs, count);
}

void shim_rte_pktmbuf_free(struct rte_mbuf *m) { rte_pktmbuf_free(m); }

void shim_rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count)
{
	rte_pktmbuf_free_bulk(mbufs, count);
}

unsigned int shim_rte_mempool_size(const struct rte_mempool *mp) { return mp->size; }

unsigned int shim_rte_ring_sp_enqueue_burst(struct rte_ring *r, void *const *objs,
                                            unsigned int n)
{
	return rte_ring_sp_enqueue_burst(r, objs, n, NULL);
}

unsigned int shim_rte_ring_sc_dequeue_burst(struct rte_ring *r, void **objs,
                                            unsigned int n)
{
	return rte_ring_sc_dequeue_burst(r, objs, n, NULL);
}

unsigned int shim_rte_ring_count(const struct rte_ring *r) { return rte_ring_count(r); }
unsigned int shim_rte_ring_free_count(const struct rte_ring *r) { return rte_ring_free_count(r); }

uint64_t shim_rss_hf_ip(void) { return RTE_ETH_RSS_IP; }
