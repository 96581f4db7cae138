import { describe, expect, it } from 'vitest';
import { homeView, routeOf } from './route';

describe('routeOf', () => {
  it('reads the view from the hash, and ?demo=1 as the demo', () => {
    expect(routeOf('')).toBe('home');
    expect(routeOf('#/')).toBe('home');
    expect(routeOf('#/live')).toBe('live');
    expect(routeOf('#live')).toBe('live');
    expect(routeOf('#/demo')).toBe('demo');
    expect(routeOf('#/demo?x=1')).toBe('demo');
    expect(routeOf('', '?demo=1')).toBe('demo');
    expect(routeOf('#/live', '?demo=1')).toBe('live');
    expect(routeOf('#/train')).toBe('train');
    expect(routeOf('#/start')).toBe('start');
    expect(routeOf('#/inspect')).toBe('inspect');
    expect(routeOf('#/history')).toBe('history');
    expect(routeOf('#/advanced')).toBe('advanced');
    expect(routeOf('#/nowhere')).toBe('home');
  });

  it('shows Start at home until the person has a profile of their own', () => {
    expect(homeView(0)).toBe('start');
    expect(homeView(1)).toBe('inspect');
  });
});
