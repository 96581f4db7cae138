/**
 * The shape every request handler has: the request (as the protocol types it, with its id), the session, the
 * request's abort signal and its progress callback, returning the protocol's result for that request type.
 * Handlers answered at once (parsing files, rendering demo images) use only the request.
 */
import type { Progress } from '../../src/engine/progress';
import type { EngineRequest, RequestType, ResultMap } from '../../src/worker-bridge/protocol';
import type { Session } from '../session';

/** A request of one type, as it arrives (with `id` and `type`). */
export type Req<K extends RequestType> = Extract<EngineRequest, { type: K }>;

export type OnProgress = (p: Progress) => void;

export type Handler<K extends RequestType> = (req: Req<K>, session: Session, signal: AbortSignal, onProgress: OnProgress) => Promise<ResultMap[K]>;

/** Files in name order (builds and benchmarks use them so, whatever order they were dropped in). */
export const byName = (a: { name: string }, b: { name: string }) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
