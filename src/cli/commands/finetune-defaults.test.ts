// One fine-tuning recipe: `finetune`'s flag defaults, the Train view's initial settings and the trainer's defaults
// all come from DEFAULT_TRAIN_SETTINGS (src/engine/tocoad/settings.ts).
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { DEFAULT_TRAIN_SETTINGS } from '../../engine/tocoad/settings';
import type { TrainSettings } from '../../engine/tocoad/settings';
import { DEFAULT_TOCOAD, resolveOptions } from '../../engine/tocoad/trainer';
import { useTrainStore } from '../../state/train-store';
import { register } from './finetune';

const KEYS = Object.keys(DEFAULT_TRAIN_SETTINGS) as (keyof TrainSettings)[];

/** The settings `finetune` runs with when no flag is given (commander holds the defaults before parsing). */
function cliDefaults(): { settings: TrainSettings; trainFrom: unknown } {
  const program = new Command();
  register(program);
  const cmd = program.commands.find((c) => c.name() === 'finetune')!;
  const o = cmd.opts();
  for (const k of Object.keys(o)) expect(cmd.getOptionValueSource(k), `--${k}`).toBe('default');
  const { batch, stage1Batch, trainFrom, ...rest } = o;
  const settings = { ...Object.fromEntries(KEYS.filter((k) => k !== 'batchSize' && k !== 'stage1BatchSize').map((k) => [k, rest[k]])), stage1BatchSize: stage1Batch ?? batch, batchSize: batch } as TrainSettings; // --stage1-batch defaults to --batch
  return { settings, trainFrom };
}

describe('the default fine-tuning recipe', () => {
  it('is what `finetune` uses when no flag is given', () => {
    const { settings, trainFrom } = cliDefaults();
    expect(settings).toEqual(DEFAULT_TRAIN_SETTINGS);
    expect(trainFrom).toBe(DEFAULT_TOCOAD.extractor.trainFrom);
  });

  it('is the Train view’s initial settings (the same object)', () => {
    expect(useTrainStore.getState().settings).toBe(DEFAULT_TRAIN_SETTINGS);
  });

  it('is the trainer’s default, so a run given no options trains with it', () => {
    const o = resolveOptions();
    const fromTrainer: TrainSettings = { ...Object.fromEntries(KEYS.map((k) => [k, o[k as keyof typeof o]])), generator: o.generator.kind } as TrainSettings;
    expect(fromTrainer).toEqual(DEFAULT_TRAIN_SETTINGS);
  });

  it('cannot be changed in place by a caller', () => {
    expect(Object.isFrozen(DEFAULT_TRAIN_SETTINGS)).toBe(true);
  });
});
