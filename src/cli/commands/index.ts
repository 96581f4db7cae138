import type { Command } from 'commander';
import { register as registerFit } from './fit';
import { register as registerEval } from './eval';
import { register as registerBench } from './bench';
import { register as registerConvert } from './convert';
import { register as registerEmbed } from './embed';
import { register as registerFinetune } from './finetune';
import { register as registerDemoData } from './demo-data';
import { register as registerExportBackbone } from './export-backbone';
import { register as registerUpdate } from './update';

/** Every CLI command registers itself on the program; add new commands here. */
export const commands: ((program: Command) => void)[] = [registerFit, registerEval, registerUpdate, registerBench, registerConvert, registerEmbed, registerDemoData, registerFinetune, registerExportBackbone];
