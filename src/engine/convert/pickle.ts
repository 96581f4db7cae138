import { ByteReader } from './byte-reader';
import { CheckpointError, toCheckpointError } from './errors';

/**
 * A minimal, safe unpickler: it knows the opcodes `torch.save` and `pickle.dump` (protocols 2-5)
 * use for numbers, strings, tuples, lists and dicts, and it resolves globals only through an
 * allow-list of pure JavaScript stand-ins. A global outside the list is refused the moment it is
 * named, before any REDUCE could call it, so nothing in the file is ever executed.
 *
 * Values: None -> null, bool -> boolean, int -> number (bigint beyond 2^53), float -> number,
 * str -> string, bytes -> Uint8Array, tuple and list -> array, dict -> Map.
 */
export class PickleFunction {
  constructor(
    /** `module.name`, for messages. */
    readonly qualifiedName: string,
    /** The stand-in: receives REDUCE's argument tuple. */
    readonly call: (args: unknown[]) => unknown,
  ) {}
}

export interface UnpickleOptions {
  /** Names the file in error messages. */
  where: string;
  /** Allowed globals, keyed `module.name`: a PickleFunction, or any value (e.g. a storage-type marker). */
  globals: ReadonlyMap<string, unknown>;
  /** Handles BINPERSID (PyTorch's storage references); without it persistent ids are refused. */
  persistentLoad?: (pid: unknown) => unknown;
}

export interface UnpickleResult {
  value: unknown;
  /** Offset just past the STOP opcode. */
  end: number;
}

const MAX_LONG_BYTES = 1024;
/**
 * Object budget: every opcode that creates a JavaScript object (a dict, a tuple or list, a byte
 * string view, a REDUCE or persistent-id result) costs units of about 50 bytes of memory, and the
 * units spent may not exceed this floor plus one per OBJECT_BUDGET_BYTES bytes of pickle read so
 * far. A PyTorch state-dict pickle spends about one unit per 10 bytes; a hostile one made of
 * one-byte EMPTY_DICT opcodes would otherwise turn a 2 MB file into ~400 MB of Maps.
 */
const OBJECT_BUDGET_FLOOR = 4096;
const OBJECT_BUDGET_BYTES = 2;
const COST_MAP = 4;
const COST_ARRAY = 1;
const COST_BYTES = 2;
const COST_CALL = 4;

const OPCODE_NAMES: Record<number, string> = {
  0x52: 'REDUCE', 0x62: 'BUILD', 0x63: 'GLOBAL', 0x93: 'STACK_GLOBAL', 0x81: 'NEWOBJ', 0x92: 'NEWOBJ_EX',
  0x69: 'INST', 0x6f: 'OBJ', 0x50: 'PERSID', 0x82: 'EXT1', 0x83: 'EXT2', 0x84: 'EXT4', 0x97: 'NEXT_BUFFER', 0x98: 'READONLY_BUFFER',
  0x49: 'INT', 0x4c: 'LONG', 0x46: 'FLOAT', 0x53: 'STRING', 0x56: 'UNICODE', 0x8f: 'EMPTY_SET', 0x90: 'ADDITEMS', 0x91: 'FROZENSET',
};

function describe(v: unknown): string {
  if (v === null) return 'None';
  if (v instanceof PickleFunction) return v.qualifiedName;
  if (v instanceof Map) return 'a dict';
  if (Array.isArray(v)) return 'a tuple or list';
  return typeof v;
}

/** Two's-complement little-endian integer of `b.length` bytes (linear time: via one hex string). */
function decodeLong(b: Uint8Array): number | bigint {
  if (b.length === 0) return 0;
  let hex = '';
  for (let i = b.length - 1; i >= 0; i--) hex += b[i].toString(16).padStart(2, '0');
  let v = BigInt(`0x${hex}`);
  if (b[b.length - 1] & 0x80) v -= 1n << BigInt(8 * b.length);
  return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
}

function latin1(b: Uint8Array): string {
  const parts: string[] = [];
  for (let i = 0; i < b.length; i += 8192) parts.push(String.fromCharCode(...b.subarray(i, i + 8192)));
  return parts.join('');
}

/**
 * Unpickles one object starting at `start`; throws CheckpointError on anything it does not allow
 * (and on anything else that goes wrong: no other error escapes).
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions, start = 0): UnpickleResult {
  const r = new ByteReader(bytes, options.where, start);
  try {
    return run(r, options, start);
  } catch (e) {
    if (e instanceof CheckpointError) throw e;
    throw toCheckpointError(options.where, e);
  }
}

function run(r: ByteReader, options: UnpickleOptions, start: number): UnpickleResult {
  const { where, globals } = options;
  const bytes = r.bytes;
  let spent = 0;
  const stack: unknown[] = [];
  const marks: number[] = [];
  const memo = new Map<number, unknown>();
  const fail = (msg: string, at: number): never => {
    throw new CheckpointError(where, `pickle at offset ${at}: ${msg}`);
  };
  /** Charges `units` to the object budget (see OBJECT_BUDGET_BYTES). */
  const spend = (units: number, at: number) => {
    spent += units;
    if (spent > OBJECT_BUDGET_FLOOR + (r.pos - start) / OBJECT_BUDGET_BYTES) {
      fail(`the pickle creates more objects than its ${r.pos - start} bytes can describe in a checkpoint (an allocation bomb?); refusing it`, at);
    }
  };
  const pop = (at: number): unknown => {
    if (stack.length === 0 || (marks.length > 0 && stack.length <= marks[marks.length - 1])) fail('the stack is empty (corrupt pickle)', at);
    return stack.pop();
  };
  const top = (at: number): unknown => {
    if (stack.length === 0) fail('the stack is empty (corrupt pickle)', at);
    return stack[stack.length - 1];
  };
  const popMark = (at: number): unknown[] => {
    const m = marks.pop();
    if (m === undefined) fail('no MARK to pop to (corrupt pickle)', at);
    const items = stack.splice(m!);
    spend(COST_ARRAY + items.length / 8, at);
    return items;
  };
  const resolve = (module: string, name: string, at: number): unknown => {
    const key = `${module}.${name}`;
    if (!globals.has(key)) {
      fail(`refusing to load the global "${key}": a checkpoint may only hold tensors, numbers, strings and (ordered) dicts; nothing in the file was run`, at);
    }
    return globals.get(key);
  };
  const readLine = (at: number): string => {
    const nl = bytes.subarray(r.pos, r.pos + 257).indexOf(0x0a);
    if (nl < 0) fail('a GLOBAL name is not terminated', at);
    return r.utf8(nl + 1, 'a GLOBAL name').slice(0, -1);
  };
  const setItems = (dict: unknown, items: unknown[], at: number) => {
    if (!(dict instanceof Map)) fail(`SETITEM(S) on ${describe(dict)}`, at);
    if (items.length % 2) fail('SETITEMS with an odd number of items', at);
    spend(items.length / 2, at);
    for (let i = 0; i < items.length; i += 2) (dict as Map<unknown, unknown>).set(items[i], items[i + 1]);
  };
  const appendItems = (list: unknown, items: unknown[], at: number) => {
    if (!Array.isArray(list)) fail(`APPEND(S) on ${describe(list)}`, at);
    // One by one: push(...items) overflows the call stack for long lists.
    for (const item of items) (list as unknown[]).push(item);
  };
  const memoPut = (i: number, at: number) => memo.set(i, top(at));
  const memoGet = (i: number, at: number) => {
    if (!memo.has(i)) fail(`memo entry ${i} was never stored (corrupt pickle)`, at);
    stack.push(memo.get(i));
  };

  for (;;) {
    const at = r.pos;
    if (r.remaining === 0) fail('the pickle ends without STOP: the file is truncated', at);
    const op = r.u8();
    switch (op) {
      case 0x80: {
        const proto = r.u8('the protocol number');
        if (proto > 5) fail(`pickle protocol ${proto} is not supported`, at);
        break;
      }
      case 0x95: // FRAME: just a length prefix; the content follows inline.
        r.u64('a frame length');
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail('STOP with a malformed stack (corrupt pickle)', at);
        return { value: stack[0], end: r.pos };
      case 0x28: // MARK
        marks.push(stack.length);
        break;
      case 0x30: // POP
        pop(at);
        break;
      case 0x31: // POP_MARK
        popMark(at);
        break;
      case 0x32: // DUP
        stack.push(top(at));
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(r.i32());
        break;
      case 0x4b: // BININT1
        stack.push(r.u8());
        break;
      case 0x4d: // BININT2
        stack.push(r.u16());
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(r.take(r.u8(), 'a LONG1 value')));
        break;
      case 0x8b: {
        const n = r.i32();
        if (n < 0 || n > MAX_LONG_BYTES) fail(`a ${n}-byte integer is not plausible`, at);
        stack.push(decodeLong(r.take(n, 'a LONG4 value')));
        break;
      }
      case 0x47: // BINFLOAT
        stack.push(r.f64be());
        break;
      case 0x58: // BINUNICODE
        stack.push(r.utf8(r.u32()));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(r.utf8(r.u8()));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(r.utf8(r.u64()));
        break;
      case 0x54: // BINSTRING (Python 2 str)
        stack.push(latin1(r.take(r.i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(r.take(r.u8())));
        break;
      case 0x42: // BINBYTES
        spend(COST_BYTES, at);
        stack.push(r.take(r.u32()));
        break;
      case 0x43: // SHORT_BINBYTES
        spend(COST_BYTES, at);
        stack.push(r.take(r.u8()));
        break;
      case 0x8e: // BINBYTES8
        spend(COST_BYTES, at);
        stack.push(r.take(r.u64()));
        break;
      case 0x7d: // EMPTY_DICT
        spend(COST_MAP, at);
        stack.push(new Map());
        break;
      case 0x5d: // EMPTY_LIST
        spend(COST_ARRAY, at);
        stack.push([]);
        break;
      case 0x29: // EMPTY_TUPLE
        spend(COST_ARRAY, at);
        stack.push([]);
        break;
      case 0x85: // TUPLE1
        spend(COST_ARRAY, at);
        stack.push([pop(at)]);
        break;
      case 0x86: {
        spend(COST_ARRAY, at);
        const b = pop(at);
        stack.push([pop(at), b]);
        break;
      }
      case 0x87: {
        spend(COST_ARRAY, at);
        const c = pop(at);
        const b = pop(at);
        stack.push([pop(at), b, c]);
        break;
      }
      case 0x74: // TUPLE
      case 0x6c: // LIST
        stack.push(popMark(at));
        break;
      case 0x64: {
        // DICT
        spend(COST_MAP, at);
        const d = new Map();
        setItems(d, popMark(at), at);
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const v = pop(at);
        const k = pop(at);
        setItems(top(at), [k, v], at);
        break;
      }
      case 0x75: {
        const items = popMark(at);
        setItems(top(at), items, at);
        break;
      }
      case 0x61: {
        const v = pop(at);
        appendItems(top(at), [v], at);
        break;
      }
      case 0x65: {
        const items = popMark(at);
        appendItems(top(at), items, at);
        break;
      }
      case 0x71: // BINPUT
        memoPut(r.u8(), at);
        break;
      case 0x72: // LONG_BINPUT
        memoPut(r.u32(), at);
        break;
      case 0x94: // MEMOIZE
        memoPut(memo.size, at);
        break;
      case 0x68: // BINGET
        memoGet(r.u8(), at);
        break;
      case 0x6a: // LONG_BINGET
        memoGet(r.u32(), at);
        break;
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = readLine(at);
        const name = readLine(at);
        stack.push(resolve(module, name, at));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop(at);
        const module = pop(at);
        if (typeof module !== 'string' || typeof name !== 'string') fail('STACK_GLOBAL needs two strings', at);
        stack.push(resolve(module as string, name as string, at));
        break;
      }
      case 0x52: {
        // REDUCE: only ever calls one of our own stand-ins.
        const args = pop(at);
        const fn = pop(at);
        if (!(fn instanceof PickleFunction)) fail(`REDUCE on ${describe(fn)}, which is not an allowed callable`, at);
        if (!Array.isArray(args)) fail(`REDUCE with ${describe(args)} as arguments`, at);
        spend(COST_CALL, at);
        try {
          stack.push((fn as PickleFunction).call(args as unknown[]));
        } catch (e) {
          if (e instanceof CheckpointError) throw e;
          fail(`${(fn as PickleFunction).qualifiedName}: ${(e as Error).message}`, at);
        }
        break;
      }
      case 0x62: {
        // BUILD: only the attribute dict of an OrderedDict (e.g. state_dict()._metadata), which we drop.
        const state = pop(at);
        const obj = top(at);
        if (!(obj instanceof Map) || !(state instanceof Map || state === null)) fail(`BUILD on ${describe(obj)} is not allowed`, at);
        break;
      }
      case 0x51: {
        // BINPERSID
        const pid = pop(at);
        if (!options.persistentLoad) fail('persistent ids are not allowed here', at);
        spend(COST_CALL, at);
        try {
          stack.push(options.persistentLoad!(pid));
        } catch (e) {
          if (e instanceof CheckpointError) throw e;
          fail((e as Error).message, at);
        }
        break;
      }
      default: {
        const name = OPCODE_NAMES[op];
        fail(`opcode 0x${op.toString(16).padStart(2, '0')}${name ? ` (${name})` : ''} is not allowed in a checkpoint`, at);
      }
    }
  }
}
