import { useEffect, useState } from 'preact/hooks';
import { ApiError, request, type SessionInfo } from './api.js';
import { FieldError } from './fields.js';

/**
 * Sign in with an API key. Used as the first screen and, when a session expires mid-work, as a
 * dialog over the page, so whatever the user typed underneath stays where it was.
 */
export function SignIn(props: { onSignedIn: (s: SessionInfo) => void; expired?: boolean }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<ApiError | undefined>();
  const [busy, setBusy] = useState(false);
  const [provider, setProvider] = useState<{ name: string; sign_in_url: string } | undefined>();
  useEffect(() => {
    // 404 where no OIDC sign-in is configured: then the API key is the only way in.
    request<{ name: string; sign_in_url: string }>('GET', '/v1/sessions/oidc', { quiet401: true }).then(
      (r) => setProvider(r.data),
      () => setProvider(undefined),
    );
  }, []);
  const submit = async (e: Event) => {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const { data } = await request<SessionInfo>('POST', '/v1/sessions', { body: { api_key: key.trim() }, quiet401: true });
      setKey('');
      props.onSignedIn(data);
    } catch (err) {
      setError(err instanceof ApiError ? err : new ApiError(0, { type: 'api_error', code: 'unknown', message: String(err) }));
    } finally {
      setBusy(false);
    }
  };
  return (
    <section class="signin" aria-labelledby="signin-title">
      <h1 id="signin-title">{props.expired ? 'Your session has ended' : 'Sign in to the connector gateway'}</h1>
      {props.expired ? <p>Sign in again to continue. What you typed on the page is kept when you sign in with an API key.</p> : null}
      {provider ? (
        <div class="sso">
          {/* A top-level navigation to the provider and back: the page's CSP does not restrict it. */}
          <a class="button primary" href={provider.sign_in_url}>
            Sign in with {provider.name}
          </a>
          {props.expired ? <p class="hint">This leaves the page: what you typed here is not kept.</p> : null}
        </div>
      ) : null}
      <p>
        {provider ? 'Or use' : 'Use'} an API key of the gateway (it starts with <code>cgw_</code>).
      </p>
      <form onSubmit={submit} noValidate>
        <label for="signin-key">API key</label>
        <input id="signin-key" name="api_key" type="password" autocomplete="off" spellcheck={false} value={key} onInput={(e) => setKey(e.currentTarget.value)} aria-invalid={error ? 'true' : undefined} aria-describedby={error ? 'signin-key-error' : undefined} required />
        <FieldError id="signin-key-error" error={error} />
        <button type="submit" disabled={busy || key.trim() === ''}>Sign in</button>
      </form>
    </section>
  );
}
