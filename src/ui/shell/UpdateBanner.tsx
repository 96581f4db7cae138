import { useSyncExternalStore } from 'react';
import { applyUpdate, subscribeUpdate, updateState } from '../../sw/register';

/**
 * "A new version is ready — Reload": shown when a new version of the app is installed and waiting, or already runs
 * in another tab. Nothing changes until the person chooses Reload (work in progress here is theirs to finish first).
 */
export function UpdateBanner() {
  const update = useSyncExternalStore(subscribeUpdate, updateState);
  if (update === 'none') return null;
  return (
    <div className="alerts">
      <div className="alert alert-info" role="status" data-testid="update-banner" data-update={update}>
        <span>A new version is ready —</span>
        <button type="button" className="primary" onClick={applyUpdate} data-testid="update-reload">
          Reload
        </button>
      </div>
    </div>
  );
}
