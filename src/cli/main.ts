#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index';

const program = new Command();
program
  .name('npm run cli --')
  .description('Anomaly Inspector command line: build, evaluate and benchmark PatchCore profiles.')
  .showHelpAfterError()
  .exitOverride();
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.DEBUG) console.error(err);
  process.exit(1);
});
