// SPDX-License-Identifier: AGPL-3.0-only
// Dark mode: follows prefers-color-scheme unless the user picked a theme,
// which is kept in localStorage and set as data-theme on <html>.
import { useEffect, useState } from 'preact/hooks';

/** Theme is the user's choice; auto follows the system. */
export type Theme = 'auto' | 'light' | 'dark';

const KEY = 'akvorado-theme';
const media = matchMedia('(prefers-color-scheme: dark)');

/** savedTheme is the theme chosen earlier, auto by default. */
export function savedTheme(): Theme {
  const t = localStorage.getItem(KEY);
  return t === 'light' || t === 'dark' ? t : 'auto';
}

/** applyTheme records the choice and sets it on the document. */
export function applyTheme(t: Theme): void {
  if (t === 'auto') localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, t);
  document.documentElement.dataset['theme'] = t;
  dispatchEvent(new Event('akvorado-theme'));
}

/** isDark tells whether the page is drawn dark now. */
export function isDark(): boolean {
  const t = savedTheme();
  return t === 'dark' || (t === 'auto' && media.matches);
}

/** useDark returns isDark(), updated when the theme or the system changes. */
export function useDark(): boolean {
  const [dark, setDark] = useState(isDark());
  useEffect(() => {
    const update = (): void => setDark(isDark());
    media.addEventListener('change', update);
    addEventListener('akvorado-theme', update);
    return () => {
      media.removeEventListener('change', update);
      removeEventListener('akvorado-theme', update);
    };
  }, []);
  return dark;
}
