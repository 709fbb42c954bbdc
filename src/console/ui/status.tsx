// SPDX-License-Identifier: AGPL-3.0-only
// Loading and error marks shared by the pages.
import type { JSX } from 'preact';
import type { ApiError } from './api.ts';

/** Status shows a spinner while loading and the error of a failed request. */
export function Status(props: { loading: boolean; error: ApiError | null }): JSX.Element | null {
  if (props.error !== null) {
    return (
      <div class="error" role="alert">
        <strong>{props.error.code}</strong> {props.error.message}
      </div>
    );
  }
  if (props.loading) return <div class="spinner" aria-label="loading" role="status" />;
  return null;
}
