/* C shim over DPDK's static-inline functions (and TLS/macros) that bindgen
 * cannot bind. One call per burst, so the call overhead is amortised. */
#ifndef MOBGW_DPDK_SHIM_H
#define MOBGW_DPDK_SHIM_H

#include <stdint.h>

struct rte_mbuf;
struct rte_mempool;
struct rte_ring;

/* rte_errno is a per-lcore TLS variable. */
int shim_rte_errno(void);
void shim_rte_errno_reset(void);

/* lcore / timing */
unsigned int shim_rte_lcore_id(void);
uint64_t shim_rte_rdtsc(void);
void shim_rte_prefetch0(const void *p);
void shim_rte_pause(void);

/* ethdev fast path */
uint16_t shim_rte_eth_rx_burst(uint16_t port_id, uint16_t queue_id,
                               struct rte_mbuf **rx_pkts, uint16_t nb_pkts);
uint16_t shim_rte_eth_tx_burst(uint16_t port_id, uint16_t queue_id,
                               struct rte_mbuf **tx_pkts, uint16_t nb_pkts);

/* mbuf */
struct rte_mbuf *shim_rte_pktmbuf_alloc(struct rte_mempool *mp);
int shim_rte_pktmbuf_alloc_bulk(struct rte_mempool *mp, struct rte_mbuf **mbufs,
                                unsigned int count);
void shim_rte_pktmbuf_free(struct rte_mbuf *m);
void shim_rte_pktmbuf_free_bulk(struct rte_mbuf **mbufs, unsigned int count);

/* mempool */
unsigned int shim_rte_mempool_size(const struct rte_mempool *mp);

/* ring */
unsigned int shim_rte_ring_sp_enqueue_burst(struct rte_ring *r, void *const *objs,
                                            unsigned int n);
unsigned int shim_rte_ring_sc_dequeue_burst(struct rte_ring *r, void **objs,
                                            unsigned int n);
unsigned int shim_rte_ring_count(const struct rte_ring *r);
unsigned int shim_rte_ring_free_count(const struct rte_ring *r);

/* RTE_ETH_RSS_* are RTE_BIT64() macros, which bindgen cannot evaluate. */
uint64_t shim_rss_hf_ip(void);

#endif
