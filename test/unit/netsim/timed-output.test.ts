import { expect } from 'chai';
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { createImpairmentChain } from '../../../src/netsim/chain.js';
import { parseNetworkConfig } from '../../../src/netsim/config.js';
import { TimedPacerOutput } from '../../../src/netsim/timed-output.js';
import { connectNativeRelaySocket } from '../../../src/transport/native-udp.js';
import { until } from '../../support/until.js';

describe('TimedPacerOutput (a relay direction\'s exact departures)', () => {
  it('drops what it has no room for as the relay\'s own overflow, not as a socket error, and sends the rest', async () => {
    const rx = createSocket('udp4');
    rx.bind(0, '127.0.0.1');
    await once(rx, 'listening');
    const socket = connectNativeRelaySocket({ host: '127.0.0.1', port: rx.address().port }, () => undefined)!;
    expect(socket, 'the native addon').to.not.equal(undefined);
    const output = new TimedPacerOutput(socket);
    try {
      const lane = output.lane();
      // 15 ms of delay is inside the output's 20 ms lead: the chain hands every datagram over at its first timer.
      const chain = createImpairmentChain(parseNetworkConfig({ delay: '15ms' }), { seed: 1, deliver: () => undefined, timed: lane });
      lane.attach(chain);
      // So in one turn of the loop: 4,096 fill the send thread's ring, 65,536 wait in JS for room, the rest overflow.
      const pushed = 75_000;
      const datagram = Buffer.alloc(16);
      for (let i = 0; i < pushed; i++) chain.push(datagram);
      const overflow = pushed - 4096 - 65_536;
      const { stats } = chain;
      await until(() => chain.stats.forwarded + chain.stats.overflowed === pushed,
        () => `${pushed} forwarded or overflowed, ${chain.stats.forwarded} + ${chain.stats.overflowed} so far`, 20_000);
      expect(stats.overflowed, 'before any timer fired').to.equal(0);
      expect(chain.stats).to.include({ overflowed: overflow, discarded: 0, pending: 0 });
      expect(output.refused).to.equal(0);
    } finally {
      output.close();
      await socket.close();
      rx.close();
    }
  });
});
