/**
 * 'export' and 'import': a profile as one .safetensors file and back. Export writes the meta and the bank (named
 * after the profile); import checks the size, reads and validates the file (a ProfileError names the problem) and
 * returns the bank in its storage dtype. Neither touches tfjs, so the worker answers them at once.
 */
import { checkProfileFileSize, readProfile, serializeProfile } from '../../src/engine/profile/profile';
import { bankToFloat32, float32ToBank } from '../../src/engine/profile/stored-bank';
import type { ResultMap } from '../../src/worker-bridge/protocol';
import type { Req } from './types';

export function exportProfile(req: Req<'export'>): ResultMap['export'] {
  const bytes = serializeProfile({ meta: req.meta, bank: bankToFloat32(req.bank) });
  const slug = req.meta.name.replace(/[^\w.-]+/g, '-').replace(/^-+|-+$/g, '') || 'profile';
  return { bytes: bytes.buffer as ArrayBuffer, fileName: `${slug}.profile.safetensors` };
}

export function importProfile(req: Req<'import'>): ResultMap['import'] {
  checkProfileFileSize(req.file.bytes.byteLength, req.file.name);
  const profile = readProfile(new Uint8Array(req.file.bytes), req.file.name);
  const { size, dim, dtype } = profile.meta.bank;
  return { meta: profile.meta, bank: float32ToBank(profile.bank, size, dim, dtype) };
}
