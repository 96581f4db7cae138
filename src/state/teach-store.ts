/**
 * Teaching's state (zustand, its own small store): what the Teach panel shows while an operator teaches a profile
 * images marked good. A proposal is what the engine answered (the threshold before and after, the rows each image
 * adds), shown before anything is saved; once saved, Undo is offered until the next proposal. The taught bank and
 * the previous revision's bank stay out of the store (in ./teach-actions.ts): views never need their bytes.
 */
import { create } from 'zustand';
import type { ThresholdMethod } from '../engine/profile/profile';
import type { Progress } from '../engine/progress';
import type { TaughtImageResult } from '../worker-bridge/protocol';

/** The view an image was marked good in: the Teach panel shows there. */
export type TeachSource = 'inspect' | 'evaluate' | 'live';

export interface TeachProposal {
  profileId: string;
  profileName: string;
  taught: TaughtImageResult[];
  thresholdBefore: number | null;
  thresholdAfter: number | null;
  /** How the threshold is set: a manual threshold stays as it was. */
  thresholdMethod: ThresholdMethod;
  bankBefore: number;
  bankAfter: number;
}

export type TeachStatus = 'idle' | 'teaching' | 'proposed' | 'saving' | 'saved' | 'undoing' | 'undone';

interface TeachState {
  status: TeachStatus;
  source: TeachSource | null;
  /** The images being taught (while 'teaching'). */
  names: string[];
  progress: Progress | null;
  /** The change shown: pending while 'proposed', saved while 'saved' (Undo offered). */
  proposal: TeachProposal | null;
  /** Why the last step failed (the stored profile is then as it was). */
  error: string | null;
  /** After an Undo: what the profile is back to. */
  notice: string | null;
}

export const useTeachStore = create<TeachState>()(() => ({
  status: 'idle',
  source: null,
  names: [],
  progress: null,
  proposal: null,
  error: null,
  notice: null,
}));
