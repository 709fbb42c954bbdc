// SPDX-License-Identifier: AGPL-3.0-only
// A tiny client-side router over the History API: the path and query of
// the page are state, links push entries.
import type { ComponentChildren, JSX } from 'preact';
import { useEffect, useState } from 'preact/hooks';

type Listener = () => void;
const listeners = new Set<Listener>();

function notify(): void {
  for (const l of listeners) l();
}

/** navigate goes to url; replace changes the current history entry instead of adding one. */
export function navigate(url: string, replace = false): void {
  if (url === location.pathname + location.search) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
  notify();
}

/** useLocation returns the current path and query string, updated on navigation. */
export function useLocation(): { path: string; search: string } {
  const [, setTick] = useState(0);
  useEffect(() => {
    const l = (): void => setTick((t) => t + 1);
    listeners.add(l);
    addEventListener('popstate', l);
    return () => {
      listeners.delete(l);
      removeEventListener('popstate', l);
    };
  }, []);
  return { path: location.pathname, search: location.search };
}

/** Link is an anchor that navigates without reloading the page. */
export function Link(props: { href: string; class?: string; children: ComponentChildren }): JSX.Element {
  const click = (e: MouseEvent): void => {
    if (e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey) return;
    e.preventDefault();
    navigate(props.href);
  };
  return (
    <a href={props.href} class={props.class} onClick={click}>
      {props.children}
    </a>
  );
}
