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
