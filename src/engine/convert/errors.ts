/**
 * The one error type the checkpoint readers throw: the message names the file and says what is
 * wrong with it in words a user can act on. Anything else escaping a reader is a bug.
 */
export class CheckpointError extends Error {
  constructor(
    /** The file (or entry) being read, as the user named it. */
    readonly where: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${where}: ${message}`, options);
    this.name = 'CheckpointError';
  }
}

/** Lists names for an error message, at most `max` of them, then how many more there were. */
export function listNames(names: readonly string[], max = 12): string {
  const shown = names.slice(0, max).join(', ');
  return names.length > max ? `${shown} (and ${names.length - max} more)` : shown;
}
