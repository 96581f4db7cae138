import type { Command } from 'commander';

/**
 * Refuses an option whose value is another option: `--json --quiet` would otherwise write the JSON to a file named
 * "--quiet" and leave the run noisy. Values may still start with a single "-" (negative numbers).
 */
export function refuseOptionLikeValues(command: Command): void {
  const values = command.opts<Record<string, unknown>>();
  for (const option of command.options) {
    if (!option.required && !option.optional) continue; // a flag, with no value
    const value = values[option.attributeName()];
    const given = Array.isArray(value) ? value : [value];
    const wrong = given.find((v) => typeof v === 'string' && v.startsWith('--'));
    if (wrong !== undefined) throw new Error(`${option.flags}: the value is missing (the word after ${option.long} is the option ${wrong})`);
  }
}
