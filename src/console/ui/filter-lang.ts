// SPDX-License-Identifier: AGPL-3.0-only
// CodeMirror support for the filter language (docs/filter.md): a tokenizer
// for highlighting, the server's validation as lint marks, and the server's
// completion.
import { autocompletion, type CompletionContext, type CompletionResult } from '@codemirror/autocomplete';
import { HighlightStyle, StreamLanguage, syntaxHighlighting, type StringStream } from '@codemirror/language';
import { linter, type Diagnostic } from '@codemirror/lint';
import type { Extension } from '@codemirror/state';
import { tags } from '@lezer/highlight';
import { api } from './api.ts';

const KEYWORDS = new Set(['and', 'or', 'not', 'in', 'notin', 'like', 'unlike', 'ilike', 'iunlike']);

interface TokenState {
  inComment: boolean;
}

// token reads one token; names are CodeMirror's legacy token names.
function tokenizer(columns: Set<string>): (stream: StringStream, state: TokenState) => string | null {
  return (stream, state) => {
    if (state.inComment) {
      state.inComment = !stream.skipTo('*/');
      if (state.inComment) stream.skipToEnd();
      else stream.pos += 2;
      return 'comment';
    }
    if (stream.eatSpace()) return null;
    if (stream.match('--')) {
      stream.skipToEnd();
      return 'comment';
    }
    if (stream.match('/*')) {
      state.inComment = true;
      return 'comment';
    }
    const q = stream.peek();
    if (q === '"' || q === "'") {
      stream.next();
      let c: string | void;
      while ((c = stream.next()) !== undefined) {
        if (c === '\\') stream.next();
        else if (c === q) break;
      }
      return 'string';
    }
    if (stream.match(/^(!<<|<<|!=|<=|>=|=|<|>)/)) return 'operator';
    if (stream.match(/^[(),]/)) return 'punctuation';
    const word = stream.match(/^[^\s()=,<>!"']+/) as RegExpMatchArray | null;
    if (word === null) {
      stream.next();
      return null;
    }
    const w = word[0].toLowerCase();
    if (KEYWORDS.has(w)) return 'keyword';
    if (columns.has(w)) return 'variableName';
    if (/^(as)?\d+$/.test(w)) return 'number';
    return 'atom';
  };
}

const highlight = HighlightStyle.define([
  { tag: tags.keyword, class: 'tok-keyword' },
  { tag: tags.operator, class: 'tok-operator' },
  { tag: tags.variableName, class: 'tok-column' },
  { tag: tags.string, class: 'tok-string' },
  { tag: tags.number, class: 'tok-number' },
  { tag: tags.atom, class: 'tok-value' },
  { tag: tags.comment, class: 'tok-comment' },
]);

interface ValidateAnswer {
  message: string;
  errors: Array<{ message: string; offset: number }>;
}

interface CompleteAnswer {
  from: number;
  to: number;
  candidates: Array<{ label: string; detail?: string; quoted: boolean }>;
}

/**
 * filterLanguage gives the editor extensions of the filter language:
 * highlighting of the given columns, operators and values, lint marks from
 * POST filter/validate (onValid gets the first error, or null) and
 * completion from POST filter/complete. Each new request aborts the previous
 * one of its kind.
 */
export function filterLanguage(columns: string[], onValid: (error: string | null) => void): Extension[] {
  const known = new Set(columns.map((c) => c.toLowerCase()));
  const language = StreamLanguage.define<TokenState>({ name: 'akvorado-filter', startState: () => ({ inComment: false }), token: tokenizer(known) });
  let validating: AbortController | null = null;
  const lint = linter(
    async (view): Promise<Diagnostic[]> => {
      validating?.abort();
      const ctl = new AbortController();
      validating = ctl;
      const text = view.state.doc.toString();
      try {
        const r = await api<ValidateAnswer>('filter/validate', { filter: text }, ctl.signal);
        onValid(r.errors.length === 0 ? null : r.errors[0]!.message);
        return r.errors.map((e) => {
          const from = Math.min(e.offset, text.length);
          const word = /^[^\s()]*/.exec(text.slice(from))![0].length;
          return { from, to: Math.min(text.length, from + Math.max(1, word)), severity: 'error', message: e.message };
        });
      } catch {
        // Aborted or unreachable: keep the marks as they are until the next change.
        return [];
      }
    },
    { delay: 300 },
  );
  const complete = async (ctx: CompletionContext): Promise<CompletionResult | null> => {
    const word = ctx.matchBefore(/[^\s()=,<>!]*/);
    if (!ctx.explicit && (word === null || word.from === word.to)) return null;
    const ctl = new AbortController();
    ctx.addEventListener('abort', () => ctl.abort());
    try {
      const r = await api<CompleteAnswer>('filter/complete', { filter: ctx.state.doc.toString(), cursor: ctx.pos }, ctl.signal);
      if (r.candidates.length === 0) return null;
      return {
        from: r.from,
        to: r.to,
        filter: false,
        options: r.candidates.map((c) => ({ label: c.label, ...(c.detail ? { detail: c.detail } : {}), type: c.quoted ? 'text' : 'keyword' })),
      };
    } catch {
      return null;
    }
  };
  return [language, syntaxHighlighting(highlight), lint, autocompletion({ override: [complete], activateOnTyping: true })];
}
