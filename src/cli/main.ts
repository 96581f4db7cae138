#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index';
import { refuseOptionLikeValues } from './option-values';

const program = new Command();
program
  .name('npm run cli --')
  .description('Anomaly Inspector command line: build, evaluate and benchmark PatchCore profiles.')
  .showHelpAfterError()
  .exitOverride()
  .hook('preAction', (_program, command) => refuseOptionLikeValues(command));
for (const register of commands) register(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  if (err instanceof CommanderError) process.exit(err.exitCode);
  console.error(`error: ${err instanceof Error ? err.message : String(err)}`);
  if (process.env.DEBUG) console.error(err);
  process.exit(1);
});
