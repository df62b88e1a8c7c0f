import type { ApiError } from './api.js';

/** The API's message shown next to the field it names (or at the top of a form when it names none). */
export function FieldError(props: { id: string; error: ApiError | undefined }) {
  if (!props.error) return null;
  return (
    <p class="error" id={props.id} role="alert">
      {props.error.message}
    </p>
  );
}

/** The error for one field: the API names it in `param` (`configuration.repository`). */
export function errorFor(error: ApiError | undefined, param: string): ApiError | undefined {
  if (!error?.param) return undefined;
  return error.param === param || error.param.startsWith(param + '.') ? error : undefined;
}

export function formatTime(iso: string | undefined): string {
  if (!iso) return '—';
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC');
}
