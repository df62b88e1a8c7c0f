import { useEffect, useState } from 'preact/hooks';
import { ApiError, CONFIGS, get, request, type Configuration, type JsonSchema, type ListOf } from './api.js';
import { FieldError } from './fields.js';
import { collect, FieldProblem, SchemaFields, type RawValues } from './schema-form.js';

interface Tool {
  name: string;
  title?: string;
  description?: string;
  inputSchema: JsonSchema;
  annotations?: { readOnlyHint?: boolean; destructiveHint?: boolean };
}

interface ToolResult {
  content?: { type: string; text?: string }[];
  structuredContent?: unknown;
  isError?: boolean;
}

/** A configuration's tools as MCP clients see them, and a form to try one built from its input schema. */
export function Tools(props: { id: string }) {
  const [config, setConfig] = useState<Configuration | undefined>();
  const [tools, setTools] = useState<Tool[] | undefined>();
  const [selected, setSelected] = useState('');
  const [values, setValues] = useState<RawValues>({});
  const [error, setError] = useState<ApiError | undefined>();
  const [result, setResult] = useState<ToolResult | undefined>();
  const [busy, setBusy] = useState(false);
  const base = `${CONFIGS}/${encodeURIComponent(props.id)}`;

  useEffect(() => {
    void (async () => {
      try {
        setConfig((await get<Configuration>(base)).data);
        setTools((await get<ListOf<Tool>>(`${base}/tools`)).data.data);
      } catch (e) {
        if (e instanceof ApiError && e.status !== 401) setError(e);
      }
    })();
  }, [props.id]);

  const tool = tools?.find((t) => t.name === selected);

  const run = async (e: Event) => {
    e.preventDefault();
    if (!tool) return;
    setError(undefined);
    setResult(undefined);
    let args: Record<string, unknown>;
    try {
      args = collect(tool.inputSchema, values, '');
    } catch (err) {
      if (err instanceof FieldProblem) setError(new ApiError(400, { type: 'invalid_request_error', code: 'invalid_parameter', message: err.message, param: err.param }));
      return;
    }
    setBusy(true);
    try {
      setResult((await request<ToolResult>('POST', `${base}/tools/call`, { body: { name: tool.name, arguments: args } })).data);
    } catch (err) {
      if (err instanceof ApiError && err.status !== 401) setError(err);
    } finally {
      setBusy(false);
    }
  };

  if (!tools) return error ? <p class="error" role="alert">{error.message}</p> : <p aria-busy="true">Loading tools…</p>;
  return (
    <section aria-labelledby="tools-title">
      <h1 id="tools-title">Tools of “{config?.name ?? props.id}”</h1>
      <p>
        <a href="#/">Back to your configurations</a>
      </p>
      {tools.length === 0 ? <p>{config && !config.enabled ? 'This configuration is disabled: enable it to use its tools.' : 'No tools: test the configuration to see why.'}</p> : null}
      {tools.length > 0 ? (
        <form onSubmit={run} noValidate>
          <label for="t-tool">Tool</label>
          <select id="t-tool" value={selected} onChange={(e) => { setSelected(e.currentTarget.value); setValues({}); setResult(undefined); setError(undefined); }}>
            <option value="">Choose a tool ({tools.length})…</option>
            {tools.map((t) => (
              <option value={t.name} key={t.name}>
                {t.name}
              </option>
            ))}
          </select>
          {tool ? (
            <>
              <p class="hint">
                {tool.description}
                {tool.annotations?.readOnlyHint ? ' (read-only)' : tool.annotations?.destructiveHint ? ' (may change or delete data)' : ''}
              </p>
              <fieldset>
                <legend>Arguments</legend>
                <SchemaFields idPrefix="t-arg" paramPrefix="" schema={tool.inputSchema} values={values} onChange={setValues} error={error} />
              </fieldset>
              {error && !error.param ? <FieldError id="t-error" error={error} /> : null}
              <div class="form-actions">
                <button type="submit" disabled={busy}>
                  Call {tool.name}
                </button>
              </div>
            </>
          ) : null}
        </form>
      ) : null}
      {result ? (
        <section aria-live="polite" aria-labelledby="t-result-title">
          <h2 id="t-result-title">{result.isError ? 'The tool reported an error' : 'Result'}</h2>
          <pre class={`result${result.isError ? ' is-error' : ''}`} tabIndex={0}>
            {(result.content ?? []).map((c) => (c.type === 'text' ? c.text : `[${c.type}]`)).join('\n') || JSON.stringify(result.structuredContent, null, 2)}
          </pre>
        </section>
      ) : null}
    </section>
  );
}
