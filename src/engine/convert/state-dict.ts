import type { RawTensor } from './dtypes';
import { CheckpointError, clip, guarded } from './errors';

/**
 * Finds the state dict inside a loaded checkpoint: the object itself, or one nested under
 * `state_dict` or `model` (fine-tuning scripts save `{'epoch': 3, 'state_dict': ...}`), and strips
 * the `module.` (DataParallel) and `backbone.` prefixes from its keys.
 */
export interface StateDict {
  tensors: Map<string, RawTensor>;
  /** Keys followed to reach the state dict, e.g. ['state_dict']. */
  path: string[];
  /** Prefixes that were stripped, e.g. ['backbone.']. */
  strippedPrefixes: string[];
  /** Entries of the state dict that are not tensors. */
  nonTensorKeys: string[];
}

/** Keys under which training scripts nest the state dict. */
export const NESTING_KEYS = ['state_dict', 'model'];
/** Prefixes stripped from every key (repeatedly, in any order). */
export const STRIPPED_PREFIXES = ['module.', 'backbone.'];
const MAX_DEPTH = 4;

/** True for the RawTensor leaves the readers produce. */
export function isRawTensor(v: unknown): v is RawTensor {
  return !!v && typeof v === 'object' && 'dtype' in v && 'shape' in v && (v as RawTensor).data instanceof Uint8Array;
}

function tensorCount(v: unknown): number {
  if (!(v instanceof Map)) return 0;
  let n = 0;
  for (const x of v.values()) if (isRawTensor(x)) n++;
  return n;
}

/** A dict key for a message: strings quoted, numbers as they are, anything else by its kind (never serialised: it may be huge or cyclic). */
function keyText(k: unknown): string {
  if (typeof k === 'string') return JSON.stringify(clip(k));
  if (typeof k === 'number' || typeof k === 'bigint' || typeof k === 'boolean') return String(k);
  if (k === null) return 'None';
  if (Array.isArray(k)) return 'a tuple';
  return `a ${typeof k}`;
}

function describeKeys(m: Map<unknown, unknown>): string {
  const keys: string[] = [];
  for (const k of m.keys()) {
    if (keys.length === 8) break;
    keys.push(keyText(k));
  }
  return keys.join(', ') + (m.size > keys.length ? ` (and ${m.size - keys.length} more)` : '');
}

/** Locates and normalises the state dict of a checkpoint root; throws CheckpointError if there is none. */
export function findStateDict(root: unknown, where: string): StateDict {
  return guarded(where, () => find(root, where));
}

function find(root: unknown, where: string): StateDict {
  if (!(root instanceof Map)) throw new CheckpointError(where, 'the checkpoint does not hold a dict (a state dict was expected)');
  let node: Map<unknown, unknown> = root;
  const path: string[] = [];
  while (tensorCount(node) === 0) {
    const key = NESTING_KEYS.find((k) => node.get(k) instanceof Map);
    if (!key || path.length >= MAX_DEPTH) {
      throw new CheckpointError(where, `no state dict found: expected a dict of tensors, or one under ${NESTING_KEYS.map((k) => `"${k}"`).join(' or ')}${path.length ? ` (inside ${path.join('.')})` : ''}; the keys are ${describeKeys(node)}`);
    }
    path.push(key);
    node = node.get(key) as Map<unknown, unknown>;
  }
  const tensors = new Map<string, RawTensor>();
  const original = new Map<string, string>();
  const stripped = new Set<string>();
  const nonTensorKeys: string[] = [];
  for (const [k, v] of node) {
    if (typeof k !== 'string' || !isRawTensor(v)) {
      nonTensorKeys.push(typeof k === 'string' ? k : keyText(k));
      continue;
    }
    let name = k;
    for (let again = true; again; ) {
      again = false;
      for (const p of STRIPPED_PREFIXES) {
        if (name.startsWith(p)) {
          name = name.slice(p.length);
          stripped.add(p);
          again = true;
        }
      }
    }
    const clash = original.get(name);
    if (clash !== undefined) throw new CheckpointError(where, `keys "${clash}" and "${k}" both become "${name}" once prefixes are stripped`);
    original.set(name, k);
    tensors.set(name, v);
  }
  return { tensors, path, strippedPrefixes: [...stripped], nonTensorKeys };
}
