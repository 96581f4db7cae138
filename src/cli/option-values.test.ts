import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { refuseOptionLikeValues } from './option-values';

/** A command shaped like `eval`, parsed from `argv`, with the check as the CLI runs it. */
async function parse(argv: string[]): Promise<Record<string, unknown>> {
  let seen: Record<string, unknown> = {};
  const program = new Command().exitOverride().hook('preAction', (_p, command) => refuseOptionLikeValues(command));
  program
    .command('eval')
    .requiredOption('--data <dir>', 'folder')
    .option('--json <file>', 'file')
    .option('--seed <n>', 'seed', Number)
    .option('--quiet', 'no bars')
    .action((args: Record<string, unknown>) => {
      seen = args;
    });
  await program.parseAsync(['node', 'cli', 'eval', ...argv]);
  return seen;
}

describe('refuseOptionLikeValues', () => {
  it('refuses an option whose value is the next option, naming both', async () => {
    await expect(parse(['--data', 'd', '--json', '--quiet'])).rejects.toThrow('--json <file>: the value is missing (the word after --json is the option --quiet)');
  });

  it('accepts ordinary values, negative numbers and flags', async () => {
    expect(await parse(['--data', 'd', '--json', 'out.json', '--seed', '-3', '--quiet'])).toEqual({ data: 'd', json: 'out.json', seed: -3, quiet: true });
  });
});
