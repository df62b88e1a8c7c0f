import { useEffect, useState } from 'preact/hooks';
import { ApiError, get, request, type ListOf } from './api.js';
import { errorFor, FieldError, formatTime } from './fields.js';

interface ApiKey {
  id: string;
  name?: string;
  prefix: string;
  created_at: string;
  revoked_at?: string;
  last_used_at?: string;
}

/** The caller's API keys: a new key's secret is shown once, here, and never again; revoking asks first. */
export function Keys() {
  const [keys, setKeys] = useState<ApiKey[] | undefined>();
  const [name, setName] = useState('');
  const [created, setCreated] = useState<{ id: string; secret: string } | undefined>();
  const [error, setError] = useState<ApiError | undefined>();
  const [confirming, setConfirming] = useState<string | undefined>();
  const [message, setMessage] = useState('');

  const load = async () => {
    try {
      setKeys((await get<ListOf<ApiKey>>('/v1/api_keys')).data.data);
    } catch (e) {
      if (e instanceof ApiError && e.status !== 401) setError(e);
    }
  };
  useEffect(() => {
    void load();
  }, []);

  const create = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setCreated(undefined);
    try {
      const { data } = await request<{ id: string; secret: string }>('POST', '/v1/api_keys', { body: name.trim() ? { name: name.trim() } : {} });
      setCreated({ id: data.id, secret: data.secret });
      setName('');
      await load();
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) setError(err);
    }
  };

  const revoke = async (id: string) => {
    setMessage('');
    try {
      await request('DELETE', `/v1/api_keys/${encodeURIComponent(id)}`);
      setMessage(`Key ${id} revoked.`);
      if (created?.id === id) setCreated(undefined);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) setMessage(`Revoking failed: ${err.message}`);
    } finally {
      setConfirming(undefined);
      await load();
    }
  };

  return (
    <section aria-labelledby="keys-title">
      <h1 id="keys-title">API keys</h1>
      <p>MCP clients and scripts use an API key as their bearer token. Revoking a key also ends the page sessions signed in with it.</p>
      <form onSubmit={create} noValidate>
        <label for="k-name">Name of a new key</label>
        <input id="k-name" name="name" value={name} autocomplete="off" onInput={(e) => setName(e.currentTarget.value)} aria-invalid={errorFor(error, 'name') ? 'true' : undefined} aria-describedby="k-name-error" />
        <FieldError id="k-name-error" error={error} />
        <div class="form-actions">
          <button type="submit">Create key</button>
        </div>
      </form>
      {created ? (
        <div class="created" role="status">
          <p>
            <strong>Copy this secret now: it will not be shown again.</strong>
          </p>
          <p class="secret" id="k-secret" tabIndex={0}>
            {created.secret}
          </p>
        </div>
      ) : null}
      {message ? <p role="status" class="status">{message}</p> : null}
      {!keys ? (
        <p aria-busy="true">Loading keys…</p>
      ) : (
        <table>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Key</th>
              <th scope="col">Created</th>
              <th scope="col">Last used</th>
              <th scope="col">State</th>
              <th scope="col">
                <span class="visually-hidden">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {keys.map((k) => (
              <tr key={k.id} data-key-id={k.id}>
                <td>{k.name ?? '—'}</td>
                <td>
                  <code>{k.prefix}…</code>
                </td>
                <td>{formatTime(k.created_at)}</td>
                <td>{formatTime(k.last_used_at)}</td>
                <td>{k.revoked_at ? `revoked ${formatTime(k.revoked_at)}` : 'active'}</td>
                <td>
                  {k.revoked_at ? null : confirming === k.id ? (
                    <span class="confirm" role="group" aria-label={`Confirm revoking ${k.name ?? k.id}`}>
                      <button type="button" class="danger" onClick={() => void revoke(k.id)}>
                        Yes, revoke
                      </button>
                      <button type="button" onClick={() => setConfirming(undefined)}>
                        Cancel
                      </button>
                    </span>
                  ) : (
                    <button type="button" class="danger" onClick={() => setConfirming(k.id)}>
                      Revoke
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
