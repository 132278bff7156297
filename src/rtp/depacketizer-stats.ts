import type { DepacketizerStats } from './payload-format.js';

export function emptyStats(): DepacketizerStats {
  return {
    packetsReceived: 0,
    bytesReceived: 0,
    packetsLost: 0,
    packetsDuplicate: 0,
    packetsMalformed: 0,
    packetsLate: 0,
    packetsForeignSsrc: 0,
    framesComplete: 0,
    framesIncomplete: 0,
    ssrcChanges: 0,
  };
}
