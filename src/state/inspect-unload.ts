/**
 * Results live only in this tab until they are exported: an Inspect batch and an Evaluate run are kept in memory, not
 * stored. While either holds results not exported, leaving or reloading the page asks first (the browser's
 * `beforeunload` prompt); exporting them (CSV or JSON) or clearing them lets the page go without asking.
 */
import { useEvaluateStore } from './evaluate-store';
import { useInspectStore } from './inspect-store';

/** What a reload would lose now, in words; null when nothing (every result exported, or none). */
export function unexportedResults(): string | null {
  const inspect = useInspectStore.getState();
  const evaluate = useEvaluateStore.getState();
  const lost: string[] = [];
  const scored = inspect.items.filter((i) => i.status === 'done').length;
  if (inspect.unexported && scored) lost.push(`${scored} inspected image${scored === 1 ? '' : 's'}`);
  if (evaluate.unexported && evaluate.result) lost.push(`the evaluation of "${evaluate.result.profileName}"`);
  return lost.length ? `Results not exported (${lost.join(' and ')}) are lost when this page closes.` : null;
}

/** The `beforeunload` listener: asks to stay while results are not exported. */
export function onBeforeUnload(e: BeforeUnloadEvent): void {
  const text = unexportedResults();
  if (!text) return;
  e.preventDefault();
  // Older browsers show the prompt only when returnValue is set (the text itself is not shown).
  e.returnValue = text;
}

let installed = false;

/** Installs the listener once for the page's life (views call it when they mount; later calls do nothing). */
export function installUnloadWarning(): void {
  if (installed || typeof window === 'undefined') return;
  installed = true;
  window.addEventListener('beforeunload', onBeforeUnload);
}
