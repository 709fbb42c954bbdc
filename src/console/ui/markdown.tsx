// SPDX-License-Identifier: AGPL-3.0-only
// A small markdown renderer for the documentation pages: headings,
// paragraphs, lists, tables, fenced code, and inline code, emphasis and
// links. It builds elements, never HTML strings, so page text cannot inject
// markup.
import type { ComponentChildren, JSX } from 'preact';
import { Link } from './router.tsx';

// linkOf maps links between documentation pages to the UI's docs routes.
function linkOf(href: string): string {
  const m = /^([a-z0-9-]+)\.md(#.*)?$/i.exec(href);
  return m === null ? href : `/docs/${m[1]}${m[2] ?? ''}`;
}

/** inline renders the inline markup of one line or paragraph. */
export function inline(text: string): ComponentChildren[] {
  const out: ComponentChildren[] = [];
  const re = /`([^`]+)`|\*\*([^*]+)\*\*|\[([^\]]+)\]\(([^)\s]+)\)/g;
  let last = 0;
  let m: RegExpExecArray | null;
  while ((m = re.exec(text)) !== null) {
    if (m.index > last) out.push(text.slice(last, m.index));
    if (m[1] !== undefined) out.push(<code>{m[1]}</code>);
    else if (m[2] !== undefined) out.push(<strong>{m[2]}</strong>);
    else {
      const href = linkOf(m[4]!);
      out.push(href.startsWith('/') ? <Link href={href}>{inline(m[3]!)}</Link> : <a href={/^https?:/.test(href) ? href : '#'} rel="noreferrer">{inline(m[3]!)}</a>);
    }
    last = re.lastIndex;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const cells = (line: string): string[] => line.trim().replace(/^\||\|$/g, '').split('|').map((c) => c.trim());

/** Markdown renders a markdown document. */
export function Markdown(props: { text: string }): JSX.Element {
  const lines = props.text.split('\n');
  const blocks: JSX.Element[] = [];
  let i = 0;
  while (i < lines.length) {
    const line = lines[i]!;
    const heading = /^(#{1,4})\s+(.*)$/.exec(line);
    if (line.trim() === '') {
      i++;
    } else if (line.startsWith('```')) {
      const code: string[] = [];
      for (i++; i < lines.length && !lines[i]!.startsWith('```'); i++) code.push(lines[i]!);
      i++;
      blocks.push(<pre><code>{code.join('\n')}</code></pre>);
    } else if (heading !== null) {
      const level = heading[1]!.length;
      const content = inline(heading[2]!);
      blocks.push(level === 1 ? <h1>{content}</h1> : level === 2 ? <h2>{content}</h2> : level === 3 ? <h3>{content}</h3> : <h4>{content}</h4>);
      i++;
    } else if (line.startsWith('|')) {
      const rows: string[][] = [];
      for (; i < lines.length && lines[i]!.startsWith('|'); i++) if (!/^\|[\s|:-]+\|$/.test(lines[i]!.trim())) rows.push(cells(lines[i]!));
      blocks.push(
        <table class="data">
          <thead><tr>{rows[0]!.map((c) => <th>{inline(c)}</th>)}</tr></thead>
          <tbody>{rows.slice(1).map((r) => <tr>{r.map((c) => <td>{inline(c)}</td>)}</tr>)}</tbody>
        </table>,
      );
    } else if (/^\s*([-*]|\d+\.)\s/.test(line)) {
      const ordered = /^\s*\d+\./.test(line);
      const items: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== '' && !lines[i]!.startsWith('```'); i++) {
        const l = lines[i]!;
        if (/^\s*([-*]|\d+\.)\s/.test(l)) items.push(l.replace(/^\s*([-*]|\d+\.)\s+/, ''));
        else items[items.length - 1] += ` ${l.trim()}`;
      }
      const lis = items.map((t) => <li>{inline(t)}</li>);
      blocks.push(ordered ? <ol>{lis}</ol> : <ul>{lis}</ul>);
    } else {
      const para: string[] = [];
      for (; i < lines.length && lines[i]!.trim() !== '' && !/^(#|```|\|)/.test(lines[i]!); i++) para.push(lines[i]!.trim());
      blocks.push(<p>{inline(para.join(' '))}</p>);
    }
  }
  return <article class="markdown">{blocks}</article>;
}
