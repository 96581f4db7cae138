/** The Inspect views' hooks: the profile the batch is judged by, the threshold in use, the items shown, the counts. */
import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ProfileMeta } from '../../engine/profile/profile';
import { useAppStore } from '../../state/app-store';
import type { InspectItem, VerdictFilter } from '../../state/inspect-store';
import { useInspectStore } from '../../state/inspect-store';
import type { BatchCounts } from '../../state/inspect-results';
import { batchCounts, bySeverity, derive } from './results';

/** The profile the results were (or will be) scored with. */
export function useInspectProfile(): ProfileMeta | null {
  const id = useInspectStore((s) => s.profileId);
  return useAppStore((s) => s.profiles.find((p) => p.id === (id ?? s.selectedId)) ?? null);
}

/** The threshold verdicts use now: the slider's while it is being tried, else the profile's. */
export function useActiveThreshold(): number | null {
  const draft = useInspectStore((s) => s.draftThreshold);
  const profile = useInspectProfile();
  return draft ?? profile?.threshold.value ?? null;
}

function matchesFilter(item: InspectItem, filter: VerdictFilter, threshold: number | null): boolean {
  if (filter === 'all') return true;
  if (filter === 'error') return item.status === 'error';
  if (item.status !== 'done' || threshold === null || item.score === undefined) return false;
  return derive(item.score, threshold, []).verdict === filter;
}

/** Items shown under the verdict filter, in batch order or by severity. */
export function useVisibleItems(): InspectItem[] {
  const items = useInspectStore((s) => s.items);
  const filter = useInspectStore((s) => s.filter);
  const sort = useInspectStore((s) => s.sort);
  const threshold = useActiveThreshold();
  const calibration = useInspectProfile()?.calibrationScores;
  return useMemo(() => {
    const shown = items.filter((i) => matchesFilter(i, filter, threshold));
    return sort === 'severity' ? bySeverity(shown, threshold, calibration ?? []) : shown;
  }, [items, filter, sort, threshold, calibration]);
}

/** The batch's counts under the threshold in use: passed, failed, could not be read, still to go. */
export function useCounts(): BatchCounts {
  const threshold = useActiveThreshold();
  return useInspectStore(useShallow((s) => batchCounts(s.items, threshold)));
}
