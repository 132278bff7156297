import dgram from 'node:dgram';
import { isIP } from 'node:net';
import type { Endpoint } from './endpoint.js';

/** Socket buffers large enough to absorb a 1080p frame burst (~6 MB) while the event loop is busy. */
const SOCKET_BUFFER_BYTES = 32 * 1024 * 1024;

function socketType(host: string): 'udp4' | 'udp6' {
  return isIP(host) === 6 ? 'udp6' : 'udp4';
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
    socket.bind(listen.port, listen.host === 'localhost' ? '127.0.0.1' : listen.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  return socket;
}

/** A socket connected to `to`, so each send skips the address lookup. */
export async function connectSocket(to: Endpoint): Promise<dgram.Socket> {
  const socket = dgram.createSocket(socketType(to.host));
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.connect(to.port, to.host === 'localhost' ? '127.0.0.1' : to.host, () => {
      socket.off('error', reject);
      resolve();
    });
  });
  enlargeBuffers(socket);
  return socket;
}

export function closeSocket(socket: dgram.Socket): Promise<void> {
  return new Promise((resolve) => {
    try { socket.close(() => resolve()); } catch { resolve(); }
  });
}
