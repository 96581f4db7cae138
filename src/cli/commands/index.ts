import type { Command } from 'commander';
import { register as registerConvert } from './convert';

/** Every CLI command registers itself on the program; add new commands here. */
export const commands: ((program: Command) => void)[] = [registerConvert];
