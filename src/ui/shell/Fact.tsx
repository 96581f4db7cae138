/**
 * One term and its value in a `<dl>`, the pair wrapped in a div as the panels' CSS lays them out. Attributes other
 * than the term (test ids, data-*, a class) go on the value.
 */
import type { HTMLAttributes, ReactNode } from 'react';

export function Fact({ term, children, ...value }: { term: ReactNode; children: ReactNode } & HTMLAttributes<HTMLElement>) {
  return (
    <div>
      <dt>{term}</dt>
      <dd {...value}>{children}</dd>
    </div>
  );
}
