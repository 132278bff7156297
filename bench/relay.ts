/** framewire's netsim relay with no impairment, as its own process, between a sender and a receiver. */
import { fileURLToPath } from 'node:url';
import { Child } from './child.js';
import { freeUdpPort } from './ports.js';

export const FRAMEWIRE_BIN = fileURLToPath(new URL('../bin/framewire.js', import.meta.url));

export interface Relay {
  /** Where senders send. */
  port: number;
  stop(): Promise<void>;
}

export async function startRelay(toPort: number, env?: NodeJS.ProcessEnv): Promise<Relay> {
  const port = await freeUdpPort();
  const child = Child.start(process.execPath, [FRAMEWIRE_BIN, 'netsim', '--listen', `127.0.0.1:${port}`,
    '--to', `127.0.0.1:${toPort}`, '--seed', '1'], { env, timeoutMs: 600_000 });
  await child.waitFor('relaying');
  return {
    port,
    stop: async () => {
      child.signal('SIGINT');
      await child.succeeded();
    },
  };
}
