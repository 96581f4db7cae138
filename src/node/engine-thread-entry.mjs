// Entry of an engine worker thread: registers tsx (the CLI runs TypeScript sources) in this thread,
// then loads the thread's TypeScript module.
import { register } from 'tsx/esm/api';

register();
await import('./engine-thread.ts');
