import { connect, type Socket } from 'node:net';

/**
 * Asks an X window to close the way a window manager's close button does: a WM_PROTOCOLS/WM_DELETE_WINDOW
 * ClientMessage. xdotool 3.2016's windowclose destroys the window under its owner instead (the client then
 * dies of an X error), and Xvfb has no window manager, so this speaks the few X11 requests needed itself.
 * The server must allow unauthenticated local clients (Xvfb -ac).
 */
export async function requestWindowClose(display: string, windowId: number): Promise<void> {
  const m = /^:(\d+)/.exec(display);
  if (!m) throw new Error(`DISPLAY '${display}' is not a local display like :99`);
  const x = await XConnection.open(`/tmp/.X11-unix/X${m[1]}`);
  try {
    const protocols = await x.internAtom('WM_PROTOCOLS');
    const deleteWindow = await x.internAtom('WM_DELETE_WINDOW');
    const event = Buffer.alloc(32);
    event.writeUInt8(33, 0); // ClientMessage
    event.writeUInt8(32, 1); // format: 32-bit data
    event.writeUInt32LE(windowId, 4);
    event.writeUInt32LE(protocols, 8);
    event.writeUInt32LE(deleteWindow, 12);
    event.writeUInt32LE(0, 16); // CurrentTime
    const request = Buffer.alloc(44);
    request.writeUInt8(25, 0); // SendEvent, propagate false
    request.writeUInt16LE(11, 2);
    request.writeUInt32LE(windowId, 4);
    request.writeUInt32LE(0, 8); // empty event mask: delivered to the window's owner
    event.copy(request, 12);
    x.send(request);
    await x.roundTrip();
  } finally {
    x.end();
  }
}

/** A minimal little-endian X11 connection: requests in order, replies matched by arrival order. */
class XConnection {
  private received = Buffer.alloc(0);
  private setUp = false;
  private readonly waiting: Array<{ resolve: (reply: Buffer) => void; reject: (err: Error) => void }> = [];

  private constructor(private readonly socket: Socket) {}

  static async open(path: string): Promise<XConnection> {
    const socket = connect(path);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    const connection = new XConnection(socket);
    socket.on('data', connection.onData);
    const setupReply = connection.reply();
    const setup = Buffer.alloc(12);
    setup.write('l', 0, 'latin1');
    setup.writeUInt16LE(11, 2);
    socket.write(setup);
    await setupReply;
    return connection;
  }

  send(request: Buffer): void {
    this.socket.write(request);
  }

  async internAtom(name: string): Promise<number> {
    const padded = Math.ceil(name.length / 4) * 4;
    const request = Buffer.alloc(8 + padded);
    request.writeUInt8(16, 0); // InternAtom, only-if-exists false
    request.writeUInt16LE(request.length / 4, 2);
    request.writeUInt16LE(name.length, 4);
    request.write(name, 8, 'latin1');
    const reply = this.reply();
    this.send(request);
    return (await reply).readUInt32LE(8);
  }

  /** Resolves once the server has handled every request sent before it. */
  async roundTrip(): Promise<void> {
    const reply = this.reply();
    this.send(Buffer.from([43, 0, 1, 0])); // GetInputFocus
    await reply;
  }

  end(): void {
    this.socket.destroy();
  }

  private reply(): Promise<Buffer> {
    return new Promise((resolve, reject) => this.waiting.push({ resolve, reject }));
  }

  private readonly onData = (chunk: Buffer): void => {
    this.received = Buffer.concat([this.received, chunk]);
    if (!this.setUp) {
      // The setup reply: status byte, reason length, version, then its length in 4-byte units.
      if (this.received.length < 8) return;
      const length = 8 + this.received.readUInt16LE(6) * 4;
      if (this.received.length < length) return;
      const status = this.received[0];
      const reason = this.received.toString('latin1', 8, 8 + this.received[1]!);
      this.received = this.received.subarray(length);
      this.setUp = true;
      if (status === 1) this.waiting.shift()?.resolve(Buffer.alloc(0));
      else this.waiting.shift()?.reject(new Error(`X server refused the connection: ${reason}`));
    }
    while (this.received.length >= 32) {
      const type = this.received[0];
      const length = type === 1 ? 32 + this.received.readUInt32LE(4) * 4 : 32;
      if (this.received.length < length) return;
      const message = this.received.subarray(0, length);
      this.received = this.received.subarray(length);
      // Requests here are answered in order, so an error belongs to the oldest request still waiting.
      if (type === 0) this.waiting.shift()?.reject(new Error(`X error ${message[1]} for request ${message[10]}`));
      if (type === 1) this.waiting.shift()?.resolve(message);
    }
  };
}
