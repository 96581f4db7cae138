/** Alerts (issue: success banners piled up, never left, and pushed the page down): notices leave, errors stay, at most 3. */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { dismissAlert, INFO_ALERT_MS, MAX_ALERTS, pushAlert, useAppStore } from './app-store';

const shown = () => useAppStore.getState().alerts.map((a) => `${a.kind}:${a.text}`);

beforeEach(() => {
  vi.useFakeTimers();
  useAppStore.setState({ alerts: [] });
});
afterEach(() => {
  vi.useRealTimers();
});

describe('alerts', () => {
  it('a notice dismisses itself after a few seconds; an error stays until dismissed', () => {
    pushAlert('info', 'Profile "bottle" built.');
    pushAlert('error', 'Import refused.');
    vi.advanceTimersByTime(INFO_ALERT_MS - 1);
    expect(shown()).toEqual(['info:Profile "bottle" built.', 'error:Import refused.']);
    vi.advanceTimersByTime(1);
    expect(shown()).toEqual(['error:Import refused.']);
    vi.advanceTimersByTime(10 * INFO_ALERT_MS);
    expect(shown()).toEqual(['error:Import refused.']);
    dismissAlert(useAppStore.getState().alerts[0].id);
    expect(shown()).toEqual([]);
  });

  it('shows at most 3: notices make way first, and the newest always shows', () => {
    expect(MAX_ALERTS).toBe(3);
    pushAlert('error', 'e1');
    pushAlert('info', 'i1');
    pushAlert('error', 'e2');
    pushAlert('info', 'i2');
    expect(shown()).toEqual(['error:e1', 'error:e2', 'info:i2']);
    pushAlert('error', 'e3');
    expect(shown()).toEqual(['error:e1', 'error:e2', 'error:e3']);
    pushAlert('error', 'e4');
    expect(shown()).toEqual(['error:e2', 'error:e3', 'error:e4']);
  });

  it('the same message again moves to the end instead of piling up', () => {
    pushAlert('info', 'Saved.');
    vi.advanceTimersByTime(INFO_ALERT_MS / 2);
    pushAlert('info', 'Saved.');
    expect(shown()).toEqual(['info:Saved.']);
    // The second one has its own few seconds.
    vi.advanceTimersByTime(INFO_ALERT_MS / 2);
    expect(shown()).toEqual(['info:Saved.']);
    vi.advanceTimersByTime(INFO_ALERT_MS / 2);
    expect(shown()).toEqual([]);
  });
});
