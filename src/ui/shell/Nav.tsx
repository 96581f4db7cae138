import type { Route } from './route';
import { goTo, hrefOf } from './route';
import './nav.css';

/** The tabs. Inspect keeps the test id `nav-home`: it is what `#/` shows once a profile exists. */
const VIEWS: { route: Route; label: string; testId: string }[] = [
  { route: 'start', label: 'Start', testId: 'nav-start' },
  { route: 'inspect', label: 'Inspect', testId: 'nav-home' },
  { route: 'live', label: 'Live camera', testId: 'nav-live' },
  { route: 'history', label: 'History', testId: 'nav-history' },
  { route: 'evaluate', label: 'Evaluate', testId: 'nav-evaluate' },
  { route: 'train', label: 'Train', testId: 'nav-train' },
  { route: 'demo', label: 'Demo', testId: 'nav-demo' },
  { route: 'advanced', label: 'Advanced', testId: 'nav-advanced' },
];

/** The views, as tabs; each has its own URL. `current` is the view shown (home resolved to Start or Inspect). */
export function Nav({ current }: { current: Route }) {
  return (
    <nav className="nav" aria-label="Views">
      {VIEWS.map((v) => (
        <a
          key={v.route}
          href={hrefOf(v.route)}
          className={`nav-tab${v.route === current ? ' nav-tab-active' : ''}`}
          aria-current={v.route === current ? 'page' : undefined}
          data-testid={v.testId}
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
