import type { Frame } from '../../frame.js';
import type { OutgoingPackets } from '../../rtp/outgoing-packets.js';
import type { SendInterceptor } from '../interceptor.js';

export interface SendCounts {
  framesSent: number;
  packetsSent: number;
  bytesSent: number;
}

/** Counts the frames, packets and bytes the sender hands to its socket. */
export class SendCount implements SendInterceptor {
  readonly name = 'count';
  readonly counts: SendCounts = { framesSent: 0, packetsSent: 0, bytesSent: 0 };

  onFrameOut(packets: OutgoingPackets, _frame: Frame): void {
    const c = this.counts;
    c.framesSent++;
    c.packetsSent += packets.count;
    c.bytesSent += packets.bytes;
  }

  report(): SendCounts {
    return { ...this.counts };
  }
}
