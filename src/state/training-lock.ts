/**
 * One training run at a time across every tab of the app: a run holds the origin-wide Web Lock
 * `anomaly-inspector/training` while it stores its images, trains and saves. A second tab that tries to train
 * meanwhile is refused at once (it does not wait, and it never touches the first tab's stored run).
 */
export const TRAINING_LOCK = 'anomaly-inspector/training';

interface LockManagerLike {
  request<T>(name: string, options: { ifAvailable: boolean }, callback: (lock: unknown) => Promise<T>): Promise<T>;
}

/** Runs `fn` holding the training lock; returns false (without running it) when another tab holds it. */
export async function withTrainingLock(fn: () => Promise<void>): Promise<boolean> {
  const locks = (globalThis.navigator as { locks?: LockManagerLike } | undefined)?.locks;
  if (!locks) {
    await fn();
    return true;
  }
  let granted = false;
  await locks.request(TRAINING_LOCK, { ifAvailable: true }, async (lock) => {
    if (!lock) return;
    granted = true;
    await fn();
  });
  return granted;
}

export const TRAINING_ELSEWHERE = 'Another tab of this app is training now; only one run at a time can use this browser. Wait until it finishes, or cancel it in that tab, then start here.';
