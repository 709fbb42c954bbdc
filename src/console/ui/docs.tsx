// SPDX-License-Identifier: AGPL-3.0-only
// The documentation page: the list of pages and the chosen one, rendered
// from the markdown that GET docs/{name} returns.
import type { JSX } from 'preact';
import { useRequest } from './api.ts';
import { Markdown } from './markdown.tsx';
import { Link } from './router.tsx';
import { Status } from './status.tsx';

/** Docs shows the documentation page name. */
export function Docs(props: { name: string }): JSX.Element {
  const pages = useRequest<{ pages: string[] }>('docs');
  const page = useRequest<string>(`docs/${encodeURIComponent(props.name)}`);
  return (
    <div class="docs">
      <nav class="toc">
        {pages.data?.pages.map((p) => (
          <Link key={p} href={`/docs/${p}`} class={p === props.name ? 'active' : ''}>
            {p}
          </Link>
        ))}
      </nav>
      <div class="page">
        <Status loading={page.loading} error={page.error} />
        {page.data !== null && !page.loading && <Markdown text={page.data} />}
      </div>
    </div>
  );
}
