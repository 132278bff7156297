import { bindDgramPort, connectDgramPort } from './dgram-port.js';
import type { Endpoint } from './endpoint.js';
import { bindNativeInput, connectNativeLink, FEEDBACK_SLOTS } from './native-udp.js';
import type { FramePort, OnDatagram, UdpPort } from './port.js';
import type { SourceFilter } from './source-filter.js';

/**
 * A socket connected to `to` that sends frames and reads what comes back: sendmmsg/recvmmsg on the native addon
 * when it is built (and FRAMEWIRE_NATIVE is not 0), else node:dgram.
 */
export async function connectFramePort(to: Endpoint, onDatagram: OnDatagram): Promise<FramePort> {
  const link = connectNativeLink(to);
  if (!link) return connectDgramPort(to, onDatagram);
  link.receive(onDatagram, { slots: FEEDBACK_SLOTS });
  return link;
}

/**
 * A socket bound to `listen` that reads, and answers whoever sent to it last; native when it can be. With `accept`,
 * only datagrams from the senders it allows are delivered (and answered); it counts the rest.
 */
export async function bindPort(listen: Endpoint, onDatagram: OnDatagram, accept?: SourceFilter): Promise<UdpPort> {
  return bindNativeInput(listen, onDatagram, undefined, accept) ?? bindDgramPort(listen, onDatagram, accept);
}
