// SPDX-License-Identifier: AGPL-3.0-only
// Entry point of the web UI: the page frame (navigation, theme toggle) and
// the pages, once GET configuration has answered.
import './style.css';
import { render, type JSX } from 'preact';
import { useState } from 'preact/hooks';
import { useRequest } from './api.ts';
import { Docs } from './docs.tsx';
import { Home } from './home.tsx';
import { Link, useLocation } from './router.tsx';
import type { Configuration } from './state.ts';
import { Status } from './status.tsx';
import { applyTheme, savedTheme, type Theme } from './theme.ts';
import { Visualize } from './visualize.tsx';

const NEXT_THEME: Readonly<Record<Theme, Theme>> = { auto: 'dark', dark: 'light', light: 'auto' };
const THEME_LABEL: Readonly<Record<Theme, string>> = { auto: '◐ Auto', dark: '☾ Dark', light: '☀ Light' };

function ThemeToggle(): JSX.Element {
  const [theme, setTheme] = useState(savedTheme());
  const next = (): void => {
    const t = NEXT_THEME[theme];
    applyTheme(t);
    setTheme(t);
  };
  return (
    <button type="button" class="theme-toggle" title="Theme: automatic, dark or light" onClick={next}>
      {THEME_LABEL[theme]}
    </button>
  );
}

function App(): JSX.Element {
  const { path, search } = useLocation();
  const config = useRequest<Configuration>('configuration');
  const nav = (href: string, label: string, active: boolean): JSX.Element => (
    <Link href={href} class={active ? 'active' : ''}>
      {label}
    </Link>
  );
  let page: JSX.Element | null = null;
  if (config.data !== null) {
    if (path === '/') page = <Home config={config.data} />;
    else if (path === '/visualize') page = <Visualize config={config.data} search={search} />;
    else if (path === '/docs' || path.startsWith('/docs/')) page = <Docs name={path.slice(6) || 'README'} />;
    else page = <p class="error">No page at {path}</p>;
  }
  return (
    <>
      <header>
        <span class="logo">Akvorado</span>
        <nav>
          {nav('/', 'Home', path === '/')}
          {nav('/visualize', 'Visualize', path === '/visualize')}
          {nav('/docs', 'Documentation', path.startsWith('/docs'))}
        </nav>
        <ThemeToggle />
      </header>
      <main>
        <Status loading={config.loading} error={config.error} />
        {page}
      </main>
      <footer>
        <Link href="/docs">Akvorado</Link> · AGPL-3.0 · IP to country data (when no GeoIP database is configured):{' '}
        <a href="https://db-ip.com">DB-IP</a>, <a href="https://creativecommons.org/licenses/by/4.0/">CC BY 4.0</a>
      </footer>
    </>
  );
}

document.documentElement.dataset['theme'] = savedTheme();
const root = document.getElementById('app')!;
// The static "Loading…" placeholder goes away with the first render.
root.textContent = '';
render(<App />, root);
