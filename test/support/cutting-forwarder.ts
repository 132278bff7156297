import dgram from 'node:dgram';
import { isRtcp } from '../../src/rtp/rtp-header.js';

/**
 * A UDP forwarder in the test process between a sender process and a receiver, which can make the sender die in the
 * middle of a frame: `cutAfter(frame, packets, onCut)` forwards the first `packets` packets of the sender's
 * `frame`-th frame (counted from its first packet; frames end at the RTP marker bit; RTCP is passed on and not counted), then calls `onCut` (which
 * SIGKILLs the sender) and forwards nothing more from that sender. A sender on another source port (a restarted
 * process) is forwarded again. Only the sender -> receiver direction is carried.
 */
export class CuttingForwarder {
  /** Datagrams forwarded, in total. */
  forwarded = 0;
  private readonly socket = dgram.createSocket('udp4');
  private cut: { frame: number; packets: number; onCut: () => void } | undefined;
  private cutPort: number | undefined;
  private frame = 0;
  private inFrame = 0;

  private constructor(private readonly to: number) {
    this.socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.port));
  }

  static async open(toPort: number): Promise<CuttingForwarder> {
    const f = new CuttingForwarder(toPort);
    await new Promise<void>((resolve) => f.socket.bind(0, '127.0.0.1', resolve));
    // A frame's burst must fit while the test's event loop is busy: loss here would not be the sender's doing.
    f.socket.setRecvBufferSize(8 * 1024 * 1024);
    return f;
  }

  get port(): number {
    return this.socket.address().port;
  }

  cutAfter(frame: number, packets: number, onCut: () => void): void {
    this.cut = { frame, packets, onCut };
    this.frame = 0;
    this.inFrame = 0;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.socket.close(() => resolve()));
  }

  private onMessage(msg: Buffer, fromPort: number): void {
    if (fromPort === this.cutPort) return;
    const cut = this.cut;
    if (cut && this.frame === cut.frame && this.inFrame === cut.packets) {
      this.cut = undefined;
      this.cutPort = fromPort;
      cut.onCut();
      return;
    }
    this.socket.send(msg, this.to, '127.0.0.1');
    this.forwarded++;
    if (isRtcp(msg)) return; // the sender's RTCP, before it has heard the receiver's, comes this way too
    this.inFrame++;
    if (msg.length >= 2 && msg[1]! & 0x80) {
      this.frame++;
      this.inFrame = 0;
    }
  }
}
