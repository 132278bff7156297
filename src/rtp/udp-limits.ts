/** IPv4 header (20, no options) + UDP header (8): what an MTU spends before the UDP payload. */
export const IPV4_UDP_OVERHEAD = 28;

/** Largest UDP payload over IPv4: 65,535 - 20 - 8. */
export const MAX_UDP_PAYLOAD = 65_507;
