import dgram from 'node:dgram';
import { isIpv6, socketHost, type Endpoint } from './endpoint.js';

/** Socket buffers large enough to absorb a 1080p frame burst (~6 MB) while the event loop is busy. */
export const SOCKET_BUFFER_BYTES = 32 * 1024 * 1024;

function socketType(host: string): 'udp4' | 'udp6' {
  return isIpv6(host) ? 'udp6' : 'udp4';
}

function enlargeBuffers(socket: dgram.Socket): void {
  // The kernel caps these at net.core.[rw]mem_max; a smaller buffer still works, it only drops sooner.
  try { socket.setRecvBufferSize(SOCKET_BUFFER_BYTES); } catch { /* capped by the kernel */ }
  try { socket.setSendBufferSize(SOCKET_BUFFER_BYTES); } catch { /* capped by the kernel */ }
}

export async function bindSocket(listen: Endpoint): Promise<dgram.Socket> {
  const socket = dgram.createSocket({ type: socketType(listen.host), reuseAddr: false });
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(listen.port, socketHost(listen), () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  // An 'error' event with no listener would crash the process; callers that count errors add their own.
  socket.on('error', () => undefined);
  return socket;
}

/** A socket connected to `to`, so each send skips the address lookup. */
export async function connectSocket(to: Endpoint): Promise<dgram.Socket> {
  const socket = dgram.createSocket(socketType(to.host));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(to.port, socketHost(to), () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  // An ICMP port-unreachable (nobody listening yet, or any more) surfaces as 'error' (recvmsg ECONNREFUSED) when
  // the loop polls before the next send; unhandled it would crash the sender. When the next send picks it up
  // instead, its callback gets the error and the sender counts it in sendErrors.
  socket.on('error', () => undefined);
  return socket;
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try { socket.close(() => resolve()); } catch { resolve(); }
  });
}
