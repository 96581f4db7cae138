import { useState } from 'react';
import { openProfileLink } from '../../state/profile-link';

/** What is wrong with a typed profile link, or null when it is an http(s) URL. */
export function linkProblem(text: string): string | null {
  const trimmed = text.trim();
  if (!trimmed) return 'Paste the link to a profile file.';
  let url: URL;
  try {
    url = new URL(trimmed, window.location.href);
  } catch {
    return `"${trimmed}" is not a link.`;
  }
  return url.protocol === 'http:' || url.protocol === 'https:' ? null : `Only http and https links can be opened (this one is ${url.protocol}).`;
}

/** A field for a shared profile link: opened as `?profile=<URL>` is (download, validation, confirmation before saving). */
export function OpenProfileLink() {
  const [text, setText] = useState('');
  const [touched, setTouched] = useState(false);
  const problem = linkProblem(text);
  const open = () => {
    setTouched(true);
    if (problem) return;
    void openProfileLink(new URL(text.trim(), window.location.href).href);
  };
  return (
    <form
      className="start-link"
      onSubmit={(e) => {
        e.preventDefault();
        open();
      }}
    >
      <label>
        Or a link to a profile
        <input type="url" inputMode="url" value={text} placeholder="https://…/part.safetensors" onChange={(e) => setText(e.target.value)} aria-invalid={touched && problem !== null} data-testid="start-open-link" />
        {touched && problem && (
          <span className="field-problem" data-testid="start-open-link-problem">
            {problem}
          </span>
        )}
      </label>
      <button type="submit" data-testid="start-open-link-button">
        Open link
      </button>
    </form>
  );
}
