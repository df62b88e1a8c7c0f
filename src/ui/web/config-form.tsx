import { useEffect, useState } from 'preact/hooks';
import { ApiError, CONFIGS, get, request, type Configuration, type Connector, type ListOf } from './api.js';
import { errorFor, FieldError } from './fields.js';
import { collect, FieldProblem, SchemaFields, toRaw, type RawValues } from './schema-form.js';

/** The credential fields of each type; all write-only: never shown, never pre-filled. */
const CREDENTIAL_FIELDS: Record<string, { name: string; label: string }[]> = {
  api_key: [{ name: 'api_key', label: 'API key' }],
  bearer: [{ name: 'token', label: 'Token' }],
  oauth2: [
    { name: 'access_token', label: 'Access token' },
    { name: 'refresh_token', label: 'Refresh token (optional)' },
  ],
};

function localError(e: FieldProblem): ApiError {
  return new ApiError(400, { type: 'invalid_request_error', code: 'invalid_parameter', message: e.message, param: e.param });
}

/**
 * Create (no id) or edit (id) a configuration. Edits carry the ETag they were loaded with, so a
 * change made meanwhile in another tab wins nothing silently: the 409 is shown, and the user can
 * load the latest version.
 */
export function ConfigForm(props: { id?: string }) {
  const [connectors, setConnectors] = useState<Connector[] | undefined>();
  const [connectorId, setConnectorId] = useState('');
  const [loaded, setLoaded] = useState<{ config: Configuration; etag?: string } | undefined>();
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [toolPrefix, setToolPrefix] = useState('');
  const [noPrefix, setNoPrefix] = useState(false);
  const [values, setValues] = useState<RawValues>({});
  const [credType, setCredType] = useState('');
  const [cred, setCred] = useState<RawValues>({});
  const [error, setError] = useState<ApiError | undefined>();
  const [conflict, setConflict] = useState(false);
  const [busy, setBusy] = useState(false);
  const editing = props.id !== undefined;

  const fetchLatest = async (id: string) => {
    const one = await get<Configuration>(`${CONFIGS}/${encodeURIComponent(id)}`);
    setLoaded({ config: one.data, ...(one.etag ? { etag: one.etag } : {}) });
    return one.data;
  };
  const load = async (id: string) => {
    const latest = await fetchLatest(id);
    setConnectorId(latest.personal_connector_id);
    setName(latest.name);
    setDescription(latest.description ?? '');
    setToolPrefix(latest.tool_prefix ?? '');
    setNoPrefix(latest.tool_prefix === '');
    return latest;
  };

  useEffect(() => {
    void (async () => {
      try {
        const list = (await get<ListOf<Connector>>('/v1/personal_connectors')).data.data;
        setConnectors(list);
        if (props.id) {
          const c = await load(props.id);
          const def = list.find((d) => d.id === c.personal_connector_id);
          if (def) setValues(toRaw(def.configuration_schema, c.configuration));
        }
      } catch (e) {
        if (e instanceof ApiError && e.status !== 401) setError(e);
      }
    })();
  }, [props.id]);

  const connector = connectors?.find((c) => c.id === connectorId);

  const body = (): Record<string, unknown> => {
    if (!connector) throw new FieldProblem('personal_connector_id', 'personal_connector_id: choose a connector');
    const original = loaded ? Object.keys(loaded.config.configuration) : [];
    const configuration = collect(connector.configuration_schema, values, 'configuration', original);
    const out: Record<string, unknown> = { name: name.trim(), configuration };
    if (description.trim() !== '') out.description = description.trim();
    else if (editing && loaded?.config.description !== undefined) out.description = null;
    if (credType) {
      const fields = CREDENTIAL_FIELDS[credType] ?? [];
      const c: Record<string, string> = { type: credType };
      for (const f of fields) if ((cred[f.name] ?? '') !== '') c[f.name] = cred[f.name]!;
      out.credentials = c;
    }
    // Blank (and not "none") keeps the prefix: given from the name on create, unchanged on edit.
    const prefix = noPrefix ? '' : toolPrefix.trim();
    if ((noPrefix || prefix !== '') && prefix !== loaded?.config.tool_prefix) out.tool_prefix = prefix;
    if (!editing) out.personal_connector_id = connector.id;
    return out;
  };

  const submit = async (e: Event) => {
    e.preventDefault();
    setError(undefined);
    setConflict(false);
    let payload: Record<string, unknown>;
    try {
      payload = body();
    } catch (err) {
      if (err instanceof FieldProblem) setError(localError(err));
      return;
    }
    setBusy(true);
    try {
      if (editing && props.id) {
        await request('PATCH', `${CONFIGS}/${encodeURIComponent(props.id)}`, { body: payload, ...(loaded?.etag ? { ifMatch: loaded.etag } : {}) });
      } else {
        await request('POST', CONFIGS, { body: payload });
      }
      setCred({});
      location.hash = '#/';
    } catch (err) {
      if (!(err instanceof ApiError) || err.status === 401) return; // the sign-in dialog opens; the form keeps its values
      if (err.status === 409 || err.status === 412) setConflict(true);
      setError(err);
    } finally {
      setBusy(false);
    }
  };

  const connectOAuth = async () => {
    setError(undefined);
    let payload: Record<string, unknown>;
    try {
      payload = body();
    } catch (err) {
      if (err instanceof FieldProblem) setError(localError(err));
      return;
    }
    delete payload.credentials;
    // The connect flow takes no prefix: the configuration gets one from its name (edit it after).
    delete payload.tool_prefix;
    setBusy(true);
    try {
      const started = await request<{ authorization_url: string }>('POST', `${CONFIGS}/oauth/start`, { body: payload });
      // A top-level navigation: the gateway's confirmation page, then the provider's sign-in.
      location.assign(started.data.authorization_url);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) setError(err);
    } finally {
      setBusy(false);
    }
  };

  // An edit form shown before its record arrives would let typing be overwritten, or save blanks.
  if (!connectors || (editing && !loaded)) return error ? <p class="error" role="alert">{error.message}</p> : <p aria-busy="true">Loading…</p>;
  const generalError = error && (!error.param || !document.getElementById(idForParam(error.param))) ? error : undefined;
  const credFields = CREDENTIAL_FIELDS[credType] ?? [];
  return (
    <section aria-labelledby="form-title">
      <h1 id="form-title">{editing ? `Edit “${loaded?.config.name ?? ''}”` : 'Add a configuration'}</h1>
      <form onSubmit={submit} noValidate>
        {generalError ? <FieldError id="form-error" error={generalError} /> : null}
        {conflict && props.id ? (
          <p>
            <button type="button" onClick={() => props.id && void fetchLatest(props.id).then(() => setConflict(false))}>
              Load the latest version (keeps what you typed)
            </button>
          </p>
        ) : null}
        <label for="f-connector">Connector (required)</label>
        <select id="f-connector" name="personal_connector_id" value={connectorId} disabled={editing} onChange={(e) => { setConnectorId(e.currentTarget.value); setValues({}); setCredType(''); }} aria-invalid={errorFor(error, 'personal_connector_id') ? 'true' : undefined} aria-describedby="f-connector-error">
          <option value="">Choose…</option>
          {connectors.map((c) => (
            <option value={c.id} key={c.id}>
              {c.name}
            </option>
          ))}
        </select>
        <FieldError id="f-connector-error" error={errorFor(error, 'personal_connector_id')} />
        <label for="f-name">Name (required)</label>
        <input id="f-name" name="name" value={name} onInput={(e) => setName(e.currentTarget.value)} autocomplete="off" aria-invalid={errorFor(error, 'name') ? 'true' : undefined} aria-describedby="f-name-error" />
        <FieldError id="f-name-error" error={errorFor(error, 'name')} />
        <label for="f-description">Description</label>
        <input id="f-description" name="description" value={description} onInput={(e) => setDescription(e.currentTarget.value)} autocomplete="off" aria-invalid={errorFor(error, 'description') ? 'true' : undefined} aria-describedby="f-description-error" />
        <FieldError id="f-description-error" error={errorFor(error, 'description')} />
        <label for="f-tool_prefix">Tool name prefix</label>
        <input id="f-tool_prefix" name="tool_prefix" value={noPrefix ? '' : toolPrefix} disabled={noPrefix} placeholder={editing ? '' : 'from the name'} onInput={(e) => setToolPrefix(e.currentTarget.value)} autocomplete="off" spellcheck={false} aria-invalid={errorFor(error, 'tool_prefix') ? 'true' : undefined} aria-describedby="f-tool_prefix-hint f-tool_prefix-error" />
        <label class="checkbox">
          <input id="f-no-prefix" type="checkbox" checked={noPrefix} onChange={(e) => setNoPrefix(e.currentTarget.checked)} /> No prefix: list the tools under the server's own names
        </label>
        <p class="hint" id="f-tool_prefix-hint">
          Tools are named <code>prefix_tool</code>. Letters, digits, <code>_</code> and <code>-</code>; names must stay unique among your configurations.
        </p>
        <FieldError id="f-tool_prefix-error" error={errorFor(error, 'tool_prefix')} />
        {connector ? (
          <>
            {connector.description ? <p class="hint">{connector.description}</p> : null}
            <fieldset>
              <legend>{connector.name} settings</legend>
              <SchemaFields idPrefix="f-configuration" paramPrefix="configuration" schema={connector.configuration_schema} values={values} onChange={setValues} error={error} />
            </fieldset>
            <fieldset>
              <legend>Credentials</legend>
              <p class="hint">{editing ? 'Credentials are never shown. Leave this empty to keep the current ones.' : connector.credentials_required ? 'Paste a token, or connect with OAuth below.' : 'Optional for this connector.'}</p>
              <label for="f-cred-type">Kind</label>
              <select id="f-cred-type" name="credentials.type" value={credType} onChange={(e) => { setCredType(e.currentTarget.value); setCred({}); }} aria-invalid={errorFor(error, 'credentials') ? 'true' : undefined} aria-describedby="f-cred-type-error">
                <option value="">{editing ? '(keep the current credentials)' : '(none)'}</option>
                {connector.auth_methods.map((m) => (
                  <option value={m} key={m}>
                    {m === 'api_key' ? 'API key' : m === 'bearer' ? 'Bearer token' : 'OAuth tokens (paste)'}
                  </option>
                ))}
              </select>
              <FieldError id="f-cred-type-error" error={credFields.length === 0 ? errorFor(error, 'credentials') : errorFor(error, 'credentials.type')} />
              {credFields.map((f) => {
                const id = `f-credentials-${f.name}`;
                const err = errorFor(error, `credentials.${f.name}`) ?? (f === credFields[0] && error?.param === 'credentials' ? error : undefined);
                return (
                  <div class="field" key={f.name}>
                    <label for={id}>{f.label}</label>
                    <input id={id} name={`credentials.${f.name}`} type="password" autocomplete="off" spellcheck={false} value={cred[f.name] ?? ''} onInput={(e) => setCred({ ...cred, [f.name]: e.currentTarget.value })} aria-invalid={err ? 'true' : undefined} aria-describedby={`${id}-error`} />
                    <FieldError id={`${id}-error`} error={err} />
                  </div>
                );
              })}
            </fieldset>
          </>
        ) : null}
        <div class="form-actions">
          <button type="submit" disabled={busy || !connector}>
            {editing ? 'Save changes' : 'Create'}
          </button>
          {!editing && connector?.oauth_connect ? (
            <button type="button" disabled={busy} onClick={connectOAuth}>
              Connect with OAuth
            </button>
          ) : null}
          <a class="button" href="#/">
            Cancel
          </a>
        </div>
      </form>
    </section>
  );
}

/** The input id a param is shown at, to tell whether a form has a place for it. */
function idForParam(param: string): string {
  if (param === 'personal_connector_id') return 'f-connector';
  if (param === 'name' || param === 'description' || param === 'tool_prefix') return `f-${param}`;
  if (param === 'credentials' || param === 'credentials.type') return 'f-cred-type';
  const [head, ...rest] = param.split('.');
  return `f-${head ?? ''}-${rest[0] ?? ''}`;
}
