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
  const shown = names.slice(0, max).map((n) => clip(n)).join(', ');
  return names.length > max ? `${shown} (and ${names.length - max} more)` : shown;
}

/** A string shortened for a message (a hostile file may name things with megabytes of text). */
export function clip(s: string, max = 200): string {
  return s.length > max ? `${s.slice(0, max)}... (${s.length} characters)` : s;
}

/**
 * Turns anything a reader throws into a CheckpointError naming the file: CheckpointErrors pass
 * through; an engine error (out of memory, stack overflow, a bug) keeps its message as the reason.
 */
export function toCheckpointError(where: string, e: unknown): CheckpointError {
  if (e instanceof CheckpointError) return e;
  const message = e instanceof Error ? e.message : String(e);
  let reason: string;
  if (/allocation failed|Invalid (typed )?array length|Invalid string length|out of memory/i.test(message)) reason = `reading it needs more memory than is available (${message})`;
  else if (/call stack/i.test(message)) reason = `it is nested too deeply to read (${message})`;
  else reason = `the file could not be read (${message})`;
  return new CheckpointError(where, reason, { cause: e });
}

/** Runs `f`, turning anything it throws into a CheckpointError naming `where` (see toCheckpointError). */
export function guarded<T>(where: string, f: () => T): T {
  try {
    return f();
  } catch (e) {
    throw toCheckpointError(where, e);
  }
}
