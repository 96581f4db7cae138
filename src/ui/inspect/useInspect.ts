import { useMemo } from 'react';
import { useShallow } from 'zustand/react/shallow';
import type { ProfileMeta } from '../../engine/profile/profile';
import { useAppStore } from '../../state/app-store';
import type { InspectItem, VerdictFilter } from '../../state/inspect-store';
import { useInspectStore } from '../../state/inspect-store';
import { bySeverity, derive } from './results';

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

export function useCounts(): { total: number; done: number; failed: number; queued: number } {
  return useInspectStore(
    useShallow((s) => ({
      total: s.items.length,
      done: s.items.filter((i) => i.status === 'done').length,
      failed: s.items.filter((i) => i.status === 'error').length,
      queued: s.items.filter((i) => i.status === 'queued' || i.status === 'scoring').length,
    })),
  );
}
