import type { Route } from './route';
import { goTo } from './route';
import './nav.css';

const VIEWS: { route: Route; label: string }[] = [
  { route: 'home', label: 'Profiles & images' },
  { route: 'live', label: 'Live camera' },
  { route: 'evaluate', label: 'Evaluate' },
  { route: 'train', label: 'Train' },
  { route: 'demo', label: 'Demo' },
];

/** The views, as tabs; each has its own URL (`#/`, `#/live`, `#/evaluate`, `#/train`, `#/demo`). */
export function Nav({ route }: { route: Route }) {
  return (
    <nav className="nav" aria-label="Views">
      {VIEWS.map((v) => (
        <a
          key={v.route}
          href={v.route === 'home' ? '#/' : `#/${v.route}`}
          className={`nav-tab${v.route === route ? ' nav-tab-active' : ''}`}
          aria-current={v.route === route ? 'page' : undefined}
          data-testid={`nav-${v.route}`}
          onClick={(e) => {
            e.preventDefault();
            goTo(v.route);
          }}
        >
          {v.label}
        </a>
      ))}
    </nav>
  );
}
