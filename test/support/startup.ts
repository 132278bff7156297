/**
 * How long a test waits for a framewire process (run through tsx) to start listening or relaying. It takes about
 * 2 s on an idle 2-core machine; under two CPU hogs and other work, start-up has been seen to take over 15 s. A
 * deadline, not a delay: the wait ends as soon as the line appears.
 */
export const STARTUP_MS = 60_000;
