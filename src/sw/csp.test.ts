import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspDirectives } from './csp';

describe('contentSecurityPolicy', () => {
  const header = cspDirectives(contentSecurityPolicy());
  const meta = cspDirectives(contentSecurityPolicy({ meta: true }));

  it('allows no inline script and no eval, only WASM compilation', () => {
    expect(header['script-src'].split(' ')).toEqual(["'self'", "'wasm-unsafe-eval'", 'blob:']);
    for (const d of Object.values(header)) {
      expect(d).not.toContain("'unsafe-eval'");
      expect(d).not.toContain("'unsafe-inline'");
    }
  });

  it('forbids plugins, framing, other origins and base/form redirection', () => {
    expect(header['default-src']).toBe("'self'");
    expect(header['object-src']).toBe("'none'");
    expect(header['frame-ancestors']).toBe("'none'");
    expect(header['base-uri']).toBe("'self'");
    expect(header['form-action']).toBe("'self'");
    expect(Object.values(header).join(' ')).not.toMatch(/https?:|\*/);
  });

  it('drops frame-ancestors from the meta element and keeps everything else', () => {
    expect(meta['frame-ancestors']).toBeUndefined();
    const { 'frame-ancestors': _dropped, ...rest } = header;
    expect(meta).toEqual(rest);
  });
});
