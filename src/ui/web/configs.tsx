import { useEffect, useState } from 'preact/hooks';
import { ApiError, CONFIGS, get, request, type Configuration, type Connector, type ListOf } from './api.js';
import { formatTime } from './fields.js';

interface Row {
  config: Configuration;
  etag?: string;
}

/** How often the list refreshes while the page is visible: health changes as tools are used. */
const REFRESH_MS = 15_000;

async function loadRows(): Promise<Row[]> {
  const list = await get<ListOf<Configuration>>(`${CONFIGS}?limit=100`);
  // Each row's ETag, so a change made in another tab loses with 409 instead of being overwritten.
  return Promise.all(
    list.data.data.map(async (c) => {
      try {
        const one = await get<Configuration>(`${CONFIGS}/${encodeURIComponent(c.id)}`);
        return { config: one.data, ...(one.etag ? { etag: one.etag } : {}) };
      } catch {
        return { config: c };
      }
    }),
  );
}

export function conflictMessage(e: ApiError): string {
  return e.status === 409 || e.status === 412 ? 'This configuration was changed elsewhere (another tab or program). The list has been reloaded: check it and try again.' : e.message;
}

export function Configurations() {
  const [rows, setRows] = useState<Row[] | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [rowMessage, setRowMessage] = useState<Record<string, string>>({});
  const [confirming, setConfirming] = useState<string | undefined>();
  const [busy, setBusy] = useState<string | undefined>();
  const [reconnectable, setReconnectable] = useState<Set<string>>(new Set());

  const reload = async () => {
    try {
      setRows(await loadRows());
      setError(undefined);
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) setError(e.message);
    }
  };

  useEffect(() => {
    void reload();
    void get<ListOf<Connector>>('/v1/personal_connectors')
      .then((r) => setReconnectable(new Set(r.data.data.filter((c) => c.oauth_connect).map((c) => c.id))))
      .catch(() => {}); // without the list the page offers no Reconnect; everything else works

    const timer = setInterval(() => {
      if (document.visibilityState === 'visible') void reload();
    }, REFRESH_MS);
    const onVisible = () => {
      if (document.visibilityState === 'visible') void reload();
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, []);

  const act = async (row: Row, label: string, fn: () => Promise<unknown>) => {
    setBusy(row.config.id);
    setRowMessage((m) => ({ ...m, [row.config.id]: '' }));
    try {
      await fn();
      setRowMessage((m) => ({ ...m, [row.config.id]: `${label}: done` }));
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) setRowMessage((m) => ({ ...m, [row.config.id]: `${label} failed: ${conflictMessage(e)}` }));
    } finally {
      setBusy(undefined);
      setConfirming(undefined);
      await reload();
    }
  };
  const path = (id: string) => `${CONFIGS}/${encodeURIComponent(id)}`;

  /**
   * The connect flow again for this configuration: the gateway's confirmation page, the provider,
   * and the callback replaces its credentials in place (same id, same tool names).
   */
  const reconnect = async (row: Row) => {
    const id = row.config.id;
    setBusy(id);
    setRowMessage((m) => ({ ...m, [id]: '' }));
    try {
      const started = await request<{ authorization_url: string }>('POST', `${CONFIGS}/oauth/start`, { body: { configuration_id: id } });
      location.assign(started.data.authorization_url);
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) setRowMessage((m) => ({ ...m, [id]: `Reconnect failed: ${e.message}` }));
      setBusy(undefined);
    }
  };

  if (error) return <p class="error" role="alert">{error}</p>;
  if (!rows) return <p aria-busy="true">Loading configurations…</p>;
  return (
    <section aria-labelledby="configs-title">
      <div class="heading-row">
        <h1 id="configs-title">Your connector configurations</h1>
        <a class="button" href="#/new">Add a configuration</a>
      </div>
      {rows.length === 0 ? (
        <p>No configurations yet. Add one to give your MCP clients tools from GitHub, ClickUp, Jira, Microsoft Teams or another MCP server.</p>
      ) : (
        <ul class="cards">
          {rows.map((row) => {
            const c = row.config;
            const id = c.id;
            return (
              <li class="card" key={id} data-config-id={id}>
                <h2>{c.name}</h2>
                <p class="muted">
                  {c.personal_connector_id} · <code>{id}</code>
                </p>
                {c.description ? <p>{c.description}</p> : null}
                <dl class="facts">
                  <dt>Health</dt>
                  <dd>
                    <span class={`badge health-${c.health_status}`}>{c.health_status}</span>
                  </dd>
                  <dt>Enabled</dt>
                  <dd>{c.enabled ? 'yes' : 'no'}</dd>
                  <dt>Last sync</dt>
                  <dd>{formatTime(c.last_sync_at)}</dd>
                  {c.last_error ? (
                    <>
                      <dt>Last error</dt>
                      <dd class="last-error">{c.last_error}</dd>
                    </>
                  ) : null}
                </dl>
                <div class="actions">
                  <button type="button" disabled={busy === id} onClick={() => act(row, 'Test', () => request('POST', `${path(id)}/test`))}>
                    Test now
                  </button>
                  <button type="button" disabled={busy === id} onClick={() => act(row, c.enabled ? 'Disable' : 'Enable', () => request('PATCH', path(id), { body: { enabled: !c.enabled }, ...(row.etag ? { ifMatch: row.etag } : {}) }))}>
                    {c.enabled ? 'Disable' : 'Enable'}
                  </button>
                  {reconnectable.has(c.personal_connector_id) ? (
                    <button type="button" disabled={busy === id} aria-label={`Reconnect ${c.name} with OAuth`} onClick={() => reconnect(row)}>
                      Reconnect
                    </button>
                  ) : null}
                  <a class="button" href={`#/config/${encodeURIComponent(id)}/edit`}>
                    Edit
                  </a>
                  <a class="button" href={`#/config/${encodeURIComponent(id)}/tools`}>
                    Tools
                  </a>
                  {confirming === id ? (
                    <span class="confirm" role="group" aria-label={`Confirm deleting ${c.name}`}>
                      <span>Delete “{c.name}”? This cannot be undone.</span>
                      <button type="button" class="danger" disabled={busy === id} onClick={() => act(row, 'Delete', () => request('DELETE', path(id), row.etag ? { ifMatch: row.etag } : {}))}>
                        Yes, delete
                      </button>
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" class="danger" onClick={() => setConfirming(id)}>
                      Delete
                    </button>
                  )}
                </div>
                {rowMessage[id] ? (
                  <p class="status" role="status">
                    {rowMessage[id]}
                  </p>
                ) : null}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}
