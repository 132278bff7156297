import { Command } from 'commander';

/**
 * Wraps a command action that resolves to an exit code, so every command reports its code the same way.
 * main() reads the code back from the command after parsing.
 */
export function withExitCode<A extends unknown[]>(
  command: Command,
  run: (...args: A) => Promise<number>,
): Command {
  return command.action(async (...args: unknown[]) => {
    exitCodes.set(command, await run(...(args as A)));
  });
}

const exitCodes = new WeakMap<Command, number>();

export function exitCodeOf(command: Command): number | undefined {
  return exitCodes.get(command);
}
