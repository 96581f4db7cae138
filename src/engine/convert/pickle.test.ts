import { describe, expect, it } from 'vitest';
import { CheckpointError } from './errors';
import { PickleFunction, unpickle } from './pickle';
import { OP, bytesOf, le, pglobal, pstr } from './testing';

const none = { where: 'test.pkl', globals: new Map<string, unknown>() };

describe('safe unpickler', () => {
  it('reads dicts, tuples, ints, strings, floats and memo references', () => {
    // {'a': (1, 300, -5), 'b': 'x', 'c': 'x' (memo), 'd': 1.5, 'e': None, 'big': 2**70}
    const p = bytesOf(
      OP.PROTO2, OP.EMPTY_DICT, OP.MARK,
      pstr('a'), OP.MARK, OP.BININT1, 1, 0x4d, le(300, 2), 0x4a, le(-5 >>> 0, 4), OP.TUPLE,
      pstr('b'), pstr('x'), OP.BINPUT, 0,
      pstr('c'), OP.BINGET, 0,
      pstr('d'), 0x47, [0x3f, 0xf8, 0, 0, 0, 0, 0, 0],
      pstr('e'), OP.NONE,
      pstr('big'), 0x8a, 9, [0, 0, 0, 0, 0, 0, 0, 0, 0x40],
      OP.SETITEMS, OP.STOP,
    );
    const { value, end } = unpickle(p, none);
    expect(end).toBe(p.length);
    expect(value).toEqual(new Map<string, unknown>([['a', [1, 300, -5]], ['b', 'x'], ['c', 'x'], ['d', 1.5], ['e', null], ['big', 2n ** 70n]]));
  });

  it('refuses GLOBAL os.system as soon as it is named, before REDUCE could call it', () => {
    const p = bytesOf(OP.PROTO2, pglobal('os', 'system'), pstr('touch /tmp/pwned'), OP.TUPLE1, OP.REDUCE, OP.STOP);
    expect(() => unpickle(p, none)).toThrow(CheckpointError);
    // Offset 2 is the GLOBAL opcode itself: the unpickler never reaches the REDUCE.
    expect(() => unpickle(p, none)).toThrow(/test\.pkl: pickle at offset 2: refusing to load the global "os\.system".*nothing in the file was run/);
  });

  it('refuses STACK_GLOBAL builtins.eval and unknown torch globals the same way', () => {
    const p = bytesOf(0x80, 4, 0x8c, 8, 'builtins', 0x8c, 4, 'eval', 0x93, pstr('1'), OP.TUPLE1, OP.REDUCE, OP.STOP);
    expect(() => unpickle(p, none)).toThrow(/refusing to load the global "builtins\.eval"/);
    const q = bytesOf(OP.PROTO2, pglobal('torch.nn.modules.conv', 'Conv2d'), OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP);
    expect(() => unpickle(q, none)).toThrow(/refusing to load the global "torch\.nn\.modules\.conv\.Conv2d"/);
  });

  it('calls only allow-listed stand-ins on REDUCE, and refuses REDUCE on anything else', () => {
    const calls: unknown[][] = [];
    const globals = new Map<string, unknown>([
      ['m.f', new PickleFunction('m.f', (args) => (calls.push(args), 'ok'))],
      ['m.marker', { not: 'callable' }],
    ]);
    expect(unpickle(bytesOf(OP.PROTO2, pglobal('m', 'f'), OP.BININT1, 7, OP.TUPLE1, OP.REDUCE, OP.STOP), { where: 'x', globals }).value).toBe('ok');
    expect(calls).toEqual([[7]]);
    expect(() => unpickle(bytesOf(OP.PROTO2, pglobal('m', 'marker'), OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP), { where: 'x', globals })).toThrow(/REDUCE on object, which is not an allowed callable/);
    expect(() => unpickle(bytesOf(OP.PROTO2, pstr('s'), OP.EMPTY_TUPLE, OP.REDUCE, OP.STOP), { where: 'x', globals })).toThrow(/not an allowed callable/);
  });

  it('refuses object-building opcodes (NEWOBJ, INST, BUILD on non-dicts) and persistent ids without a handler', () => {
    expect(() => unpickle(bytesOf(OP.PROTO2, OP.EMPTY_TUPLE, OP.EMPTY_TUPLE, 0x81, OP.STOP), none)).toThrow(/opcode 0x81 \(NEWOBJ\) is not allowed/);
    expect(() => unpickle(bytesOf(OP.PROTO2, 0x69, 'os\nsystem\n', OP.STOP), none)).toThrow(/\(INST\) is not allowed/);
    expect(() => unpickle(bytesOf(OP.PROTO2, pstr('s'), OP.EMPTY_DICT, OP.BUILD, OP.STOP), none)).toThrow(/BUILD on string is not allowed/);
    expect(() => unpickle(bytesOf(OP.PROTO2, pstr('id'), OP.BINPERSID, OP.STOP), none)).toThrow(/persistent ids are not allowed/);
  });

  it('fails cleanly on truncated or corrupt pickles', () => {
    const p = bytesOf(OP.PROTO2, OP.EMPTY_DICT, pstr('key'), pstr('value'), OP.SETITEM, OP.STOP);
    for (let n = 0; n < p.length; n++) expect(() => unpickle(p.subarray(0, n), none), `cut at ${n}`).toThrow(CheckpointError);
    expect(() => unpickle(bytesOf(OP.PROTO2, 0x58, le(1e9, 4), 'abc', OP.STOP), none)).toThrow(/runs past the end/);
    expect(() => unpickle(bytesOf(OP.PROTO2, OP.BINGET, 9, OP.STOP), none)).toThrow(/memo entry 9 was never stored/);
    expect(() => unpickle(bytesOf(OP.PROTO2, OP.SETITEM, OP.STOP), none)).toThrow(/stack is empty/);
    expect(() => unpickle(bytesOf(OP.PROTO2, OP.BININT1, 1, OP.BININT1, 2, OP.STOP), none)).toThrow(/STOP with a malformed stack/);
    expect(() => unpickle(bytesOf(0x80, 9, OP.NONE, OP.STOP), none)).toThrow(/protocol 9 is not supported/);
    expect(() => unpickle(bytesOf(OP.PROTO2, 0x8b, le(1e6, 4), OP.STOP), none)).toThrow(/1000000-byte integer is not plausible/);
    expect(() => unpickle(bytesOf(OP.PROTO2, 0x63, 'os'), none)).toThrow(/GLOBAL name is not terminated/);
  });

  it('survives self-referencing structures', () => {
    // l = []; l.append(l)
    const p = bytesOf(OP.PROTO2, 0x5d, OP.BINPUT, 0, OP.BINGET, 0, 0x61, OP.STOP);
    const v = unpickle(p, none).value as unknown[];
    expect(v[0]).toBe(v);
  });
});
