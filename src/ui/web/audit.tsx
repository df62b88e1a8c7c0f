import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, type ListOf } from './api.js';
import { formatTime } from './fields.js';

interface AuditEvent {
  id: string;
  created_at: string;
  action: string;
  target?: string;
  outcome: 'success' | 'failure';
  detail?: Record<string, string | number | boolean>;
}

/** The caller's own audit trail, newest first, 25 at a time. */
export function Audit() {
  const [events, setEvents] = useState<AuditEvent[] | undefined>();
  const [more, setMore] = useState(false);
  const [error, setError] = useState<string | undefined>();

  const load = async (after?: string) => {
    try {
      const page = (await get<ListOf<AuditEvent>>(`/v1/audit_events?limit=25${after ? `&starting_after=${encodeURIComponent(after)}` : ''}`)).data;
      setEvents((prev) => (after ? [...(prev ?? []), ...page.data] : page.data));
      setMore(page.has_more);
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) setError(e.message);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!events) return <p aria-busy="true">Loading the audit trail…</p>;
  return (
    <section aria-labelledby="audit-title">
      <h1 id="audit-title">Audit trail</h1>
      {events.length === 0 ? (
        <p>Nothing recorded yet.</p>
      ) : (
        <table>
          <caption class="hint">What was done with your configurations and keys, newest first.</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Action</th>
              <th scope="col">Target</th>
              <th scope="col">Outcome</th>
              <th scope="col">Detail</th>
            </tr>
          </thead>
          <tbody>
            {events.map((e) => (
              <tr key={e.id}>
                <td>{formatTime(e.created_at)}</td>
                <td>
                  <code>{e.action}</code>
                </td>
                <td>
                  <code>{e.target ?? ''}</code>
                </td>
                <td>{e.outcome}</td>
                <td>
                  {Object.entries(e.detail ?? {})
                    .map(([k, v]) => `${k}: ${String(v)}`)
                    .join(', ')}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {more ? (
        <p>
          <button type="button" onClick={() => void load(events.at(-1)?.id)}>
            Show older events
          </button>
        </p>
      ) : null}
    </section>
  );
}
