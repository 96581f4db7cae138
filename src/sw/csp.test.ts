import { describe, expect, it } from 'vitest';
import { contentSecurityPolicy, cspDirectives, parseLinkOrigins } from './csp';

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

  it('adds the origins a deployment names for profile links to connect-src, and nowhere else', () => {
    const origins = parseLinkOrigins('https://profiles.example.com, https://cdn.example.org:8443/');
    expect(origins).toEqual(['https://profiles.example.com', 'https://cdn.example.org:8443']);
    const withLinks = cspDirectives(contentSecurityPolicy({ linkOrigins: origins }));
    expect(withLinks['connect-src']).toBe("'self' blob: data: https://profiles.example.com https://cdn.example.org:8443");
    const { 'connect-src': _c1, ...others } = withLinks;
    const { 'connect-src': _c2, ...defaults } = header;
    expect(others).toEqual(defaults);
    expect(parseLinkOrigins(undefined)).toEqual([]);
    expect(parseLinkOrigins('')).toEqual([]);
  });

  it('refuses link origins that are not plain https origins, naming the entry', () => {
    expect(() => parseLinkOrigins('http://example.com')).toThrow(/"http:\/\/example.com" must be https/);
    expect(() => parseLinkOrigins('https://example.com/profiles/')).toThrow(/must be an origin alone/);
    expect(() => parseLinkOrigins('https://*.example.com')).toThrow(/PROFILE_LINK_ORIGINS/);
    expect(() => parseLinkOrigins('example.com')).toThrow(/is not an origin/);
    expect(parseLinkOrigins('http://localhost:4000')).toEqual(['http://localhost:4000']);
  });
});
