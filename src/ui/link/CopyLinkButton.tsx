import { useEffect, useRef, useState } from 'react';
import { profileSourceUrl, shareLink } from '../../state/profile-link';
import './link.css';

/**
 * "Copy link" for a profile that was opened from a link: copies the app's link to the same file
 * (`<app>?profile=<encoded address>`). Where the clipboard cannot be written (no permission, not a secure page), the
 * link shows in a text field, selected, to copy by hand. Renders nothing for other profiles.
 */
export function CopyLinkButton({ profileId, updatedAt }: { profileId: string; updatedAt: string }) {
  const [source, setSource] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const [manual, setManual] = useState(false);
  const field = useRef<HTMLInputElement>(null);
  useEffect(() => {
    let live = true;
    void profileSourceUrl(profileId).then((url) => {
      if (live) setSource(url);
    });
    return () => {
      live = false;
    };
  }, [profileId, updatedAt]);
  useEffect(() => {
    if (manual) field.current?.select();
  }, [manual]);
  useEffect(() => {
    if (!copied) return;
    const t = window.setTimeout(() => setCopied(false), 2000);
    return () => window.clearTimeout(t);
  }, [copied]);
  if (!source) return null;
  const link = shareLink(source);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      setCopied(true);
      setManual(false);
    } catch {
      setManual(true);
    }
  };
  return (
    <>
      <button type="button" onClick={() => void copy()} title={`Copies a link that opens this profile's file (${source}) in the app`} data-testid="copy-link" data-link={link}>
        {copied ? 'Link copied' : 'Copy link'}
      </button>
      {manual && (
        <input
          ref={field}
          className="link-copy-field"
          type="text"
          readOnly
          value={link}
          aria-label="Link to this profile (copy it)"
          onFocus={(e) => e.currentTarget.select()}
          data-testid="copy-link-field"
        />
      )}
    </>
  );
}
