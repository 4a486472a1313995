//! Safe wrappers over the DPDK EAL, ports, queues, mempools and mbufs.
