/**
 * An error in what the user asked for (a flag, a spec, a scenario field). The CLI exits 2 on it.
 * The message must name the flag or field and say what is wrong.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/**
 * A usage error raised by the library, which names its own setting (`mtu`, `ssrc`, `geometry`) rather than a CLI
 * flag or a scenario field: the CLI and the scenario loader each map settings to their own names, in one place
 * (cli/setting-names.ts, harness/scenario-fields.ts).
 */
export class SettingError extends UsageError {
  constructor(
    readonly setting: string,
    readonly problem: string,
  ) {
    super(`${setting}: ${problem}`);
    this.name = 'SettingError';
  }
}
