import { hostname } from 'node:os';

/**
 * This process's RTCP CNAME (RFC 3550 section 6.5.1): unique among the endpoints of a session and stable for its
 * life, so a peer can tie this endpoint's streams (media and RTX) together.
 */
export function defaultCname(): string {
  return `framewire-${process.pid}@${hostname()}`;
}
