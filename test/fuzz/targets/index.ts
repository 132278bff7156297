import type { FuzzTarget } from '../fuzz-target.js';
import { rawTarget } from './raw.js';
import { rtcpTarget } from './rtcp.js';
import { rtpTarget } from './rtp.js';
import { scenarioTarget } from './scenario.js';
import { sdpTarget } from './sdp.js';
import { traceTarget } from './trace.js';

/** Every fuzz target, by the name `npm run fuzz -- --target NAME` takes and fixtures/fuzz/NAME/ holds its seeds for. */
export const FUZZ_TARGETS: readonly FuzzTarget[] = [rtpTarget, rawTarget, rtcpTarget, sdpTarget, scenarioTarget, traceTarget];
