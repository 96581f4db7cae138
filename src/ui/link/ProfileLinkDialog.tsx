import { useEffect, useRef } from 'react';
import { cancelProfileLink, dismissProfileLink, saveProfileLink, useProfileLinkStore } from '../../state/profile-link';
import { holdIsolationReload } from '../../sw/register';
import { formatBytes, plural } from '../shell/format';
import './link.css';

/** Download, then validation: a bar with the bytes when the size is known, a moving bar otherwise. */
function LinkProgress({ phase, received, total }: { phase: 'downloading' | 'validating'; received: number; total: number | null }) {
  const downloading = phase === 'downloading';
  const text = downloading ? `Downloading: ${formatBytes(received)}${total !== null ? ` of ${formatBytes(total)}` : ''}` : `Checking the file (${formatBytes(received)})…`;
  return (
    <div className="progress" data-testid="profile-link-progress" data-phase={phase} data-received={received} data-total={total ?? ''}>
      <div className="progress-text">
        <span>{text}</span>
      </div>
      {downloading && total ? <progress aria-label="Download" max={total} value={received} /> : <progress aria-label={downloading ? 'Download' : 'Checking the file'} />}
    </div>
  );
}

/**
 * The profile behind a `?profile=<URL>` link: the download and the check with their progress, then the profile
 * (name, backbone, size, creation date) for Save or Cancel, or why the link was refused. Nothing shows while no link
 * is pending. While it shows, the one reload that makes the page cross-origin isolated waits.
 */
export function ProfileLinkDialog() {
  const { phase, url, received, total, meta, fileBytes, problem } = useProfileLinkStore();
  const focus = useRef<HTMLButtonElement>(null);
  const open = phase !== null;
  useEffect(() => (open ? holdIsolationReload() : undefined), [open]);
  useEffect(() => {
    focus.current?.focus();
  }, [phase]);
  useEffect(() => {
    if (!open) return;
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== 'Escape') return;
      e.stopPropagation();
      if (useProfileLinkStore.getState().phase === 'error') dismissProfileLink();
      else cancelProfileLink();
    };
    window.addEventListener('keydown', onKey, true);
    return () => window.removeEventListener('keydown', onKey, true);
  }, [open]);
  if (!open) return null;
  const error = phase === 'error';
  return (
    <div className="detail-backdrop">
      <div
        className="link-dialog"
        role={error ? 'alertdialog' : 'dialog'}
        aria-modal="true"
        aria-labelledby="profile-link-title"
        data-testid="profile-link-dialog"
        data-phase={phase}
        data-url={url}
      >
        <h3 id="profile-link-title">{error ? 'This profile link cannot be opened' : phase === 'confirm' || phase === 'saving' ? 'Save this profile?' : 'Opening a shared profile'}</h3>
        <p className="link-url small" title={url}>
          {url}
        </p>
        {(phase === 'downloading' || phase === 'validating') && <LinkProgress phase={phase} received={received} total={total} />}
        {error && (
          <p className="link-problem" data-testid="profile-link-problem">
            {problem}
          </p>
        )}
        {meta && (phase === 'confirm' || phase === 'saving') && (
          <dl className="link-facts" data-testid="profile-link-facts">
            <dt>Name</dt>
            <dd data-testid="profile-link-name">{meta.name}</dd>
            <dt>Backbone</dt>
            <dd data-testid="profile-link-backbone" data-backbone-id={meta.backbone.id}>
              {meta.backbone.label} ({meta.backbone.id})
            </dd>
            <dt>Size</dt>
            <dd data-testid="profile-link-size" data-bytes={fileBytes}>
              {formatBytes(fileBytes)} · bank {meta.bank.size} × {meta.bank.dim} {meta.bank.dtype} · learnt from {plural(meta.training.imageCount, 'image')}
            </dd>
            <dt>Created</dt>
            <dd data-testid="profile-link-created" data-created-at={meta.createdAt}>
              {new Date(meta.createdAt).toLocaleString()}
            </dd>
          </dl>
        )}
        <p className="small muted">{error ? '' : phase === 'confirm' ? 'Nothing is saved until you choose Save.' : ''}</p>
        <div className="link-actions">
          {error ? (
            <button type="button" ref={focus} onClick={dismissProfileLink} data-testid="profile-link-close">
              Close
            </button>
          ) : (
            <>
              {(phase === 'confirm' || phase === 'saving') && (
                <button type="button" className="primary" ref={focus} disabled={phase === 'saving'} onClick={() => void saveProfileLink()} data-testid="profile-link-save">
                  {phase === 'saving' ? 'Saving…' : 'Save'}
                </button>
              )}
              <button type="button" ref={phase === 'confirm' ? undefined : focus} disabled={phase === 'saving'} onClick={cancelProfileLink} data-testid="profile-link-cancel">
                Cancel
              </button>
            </>
          )}
        </div>
      </div>
    </div>
  );
}

export { startProfileLinkFromUrl } from '../../state/profile-link';
