// SPDX-License-Identifier: AGPL-3.0-only
// The filter box of the visualize page: a one-to-few lines CodeMirror
// editor; Ctrl-Enter (or the Apply button) applies the filter.
import { defaultKeymap, history, historyKeymap } from '@codemirror/commands';
import { lintGutter } from '@codemirror/lint';
import { EditorState } from '@codemirror/state';
import { EditorView, keymap, placeholder } from '@codemirror/view';
import type { JSX } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import { filterLanguage } from './filter-lang.ts';

/**
 * FilterEditor edits a filter; onChange gets each edit, onSubmit the wish
 * to apply it. The editor owns its text: value replaces it only when
 * resetKey changes (another view was loaded), so that a render late by a
 * keystroke never writes an older text back.
 */
export function FilterEditor(props: {
  columns: string[];
  value: string;
  resetKey: string;
  onChange: (v: string) => void;
  onSubmit: () => void;
}): JSX.Element {
  const box = useRef<HTMLDivElement>(null);
  const view = useRef<EditorView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The editor is built once; the callbacks of the latest render are read through this ref.
  const latest = useRef(props);
  latest.current = props;
  useEffect(() => {
    const v = new EditorView({
      parent: box.current!,
      state: EditorState.create({
        doc: props.value,
        extensions: [
          keymap.of([
            {
              key: 'Mod-Enter',
              run: () => {
                latest.current.onSubmit();
                return true;
              },
            },
          ]),
          history(),
          keymap.of([...defaultKeymap, ...historyKeymap]),
          placeholder('Filter, e.g. InIfBoundary = external AND SrcAS = AS13335 (Ctrl-Space completes)'),
          EditorView.lineWrapping,
          lintGutter(),
          ...filterLanguage(props.columns, setError),
          EditorView.updateListener.of((u) => {
            if (u.docChanged) latest.current.onChange(u.state.doc.toString());
          }),
        ],
      }),
    });
    view.current = v;
    return () => v.destroy();
  }, []);
  useEffect(() => {
    const v = view.current;
    if (v !== null && v.state.doc.toString() !== props.value) v.dispatch({ changes: { from: 0, to: v.state.doc.length, insert: props.value } });
  }, [props.resetKey]);
  return (
    <div class="filter-box">
      <div ref={box} class={`filter-editor ${error === null ? '' : 'invalid'}`} data-valid={String(error === null)} />
      {error !== null && <p class="filter-message">{error}</p>}
    </div>
  );
}
