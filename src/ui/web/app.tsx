import { useEffect, useState } from 'preact/hooks';
import { ApiError, request, setCsrfToken, setUnauthorizedHandler, type SessionInfo } from './api.js';
import { SignIn } from './signin.js';
import { useRoute, View } from './routes.js';

type SessionState = { kind: 'loading' } | { kind: 'signed-out'; message?: string } | { kind: 'signed-in'; session: SessionInfo; expired: boolean };

/** A sign-in link from the local server carries a one-time token in the fragment, which never reaches a log or a Referer. */
function takeOneTimeToken(): string | undefined {
  const m = /(?:^#|&)token=([A-Za-z0-9_-]+)/.exec(location.hash);
  if (!m) return undefined;
  history.replaceState(null, '', location.pathname + location.search + '#/');
  // replaceState fires no hashchange: without one the router would stay on "#token=…", no page of its own.
  window.dispatchEvent(new HashChangeEvent('hashchange'));
  return m[1];
}

export function App() {
  const [state, setState] = useState<SessionState>({ kind: 'loading' });
  const route = useRoute();

  const signedIn = (s: SessionInfo) => {
    setCsrfToken(s.csrf_token);
    setState({ kind: 'signed-in', session: s, expired: false });
  };

  useEffect(() => {
    setUnauthorizedHandler(() => setState((st) => (st.kind === 'signed-in' ? { ...st, expired: true } : { kind: 'signed-out' })));
    const redeem = async (token: string) => {
      try {
        signedIn((await request<SessionInfo>('POST', '/v1/sessions', { body: { one_time_token: token }, quiet401: true })).data);
      } catch (e) {
        const message = e instanceof ApiError ? e.message : String(e);
        // An old link opened over a live session changes nothing: the tab stays signed in.
        setState((st) => (st.kind === 'signed-in' && !st.expired ? st : { kind: 'signed-out', message }));
      }
    };
    // A second link opened in a tab that already shows the page changes only the fragment: no
    // reload, so the new token arrives as a hashchange and signs this tab in (again).
    const onHash = () => {
      const token = takeOneTimeToken();
      if (token) void redeem(token);
    };
    window.addEventListener('hashchange', onHash);
    void (async () => {
      const token = takeOneTimeToken();
      if (token) return redeem(token);
      try {
        signedIn((await request<SessionInfo>('GET', '/v1/sessions/current', { quiet401: true })).data);
      } catch {
        setState({ kind: 'signed-out' });
      }
    })();
    return () => window.removeEventListener('hashchange', onHash);
  }, []);

  const signOut = async () => {
    try {
      await request('DELETE', '/v1/sessions/current', { quiet401: true });
    } catch {
      // Signed out either way: the server forgets the session or it had already ended.
    }
    setCsrfToken('');
    setState({ kind: 'signed-out' });
  };

  if (state.kind === 'loading') return <p aria-busy="true">Loading…</p>;
  if (state.kind === 'signed-out') {
    return (
      <main id="main">
        {state.message ? (
          <p class="error" role="alert">
            {state.message}
          </p>
        ) : null}
        <SignIn onSignedIn={signedIn} />
      </main>
    );
  }
  const s = state.session;
  return (
    <>
      <div inert={state.expired} aria-hidden={state.expired ? 'true' : undefined}>
        <a class="skip" href="#main">
          Skip to content
        </a>
        <header class="top">
          <span class="brand">Connector Gateway</span>
          <nav aria-label="Sections">
            <a href="#/" aria-current={route.name === 'configs' ? 'page' : undefined}>
              Configurations
            </a>
            <a href="#/audit" aria-current={route.name === 'audit' ? 'page' : undefined}>
              Audit trail
            </a>
            <a href="#/keys" aria-current={route.name === 'keys' ? 'page' : undefined}>
              API keys
            </a>
          </nav>
          <span class="who">
            {s.user_id ?? s.api_key_id} · {s.organization_id}
          </span>
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          <View route={route} />
        </main>
      </div>
      {state.expired ? (
        <div class="overlay" role="dialog" aria-modal="true" aria-labelledby="signin-title">
          <SignIn expired onSignedIn={signedIn} />
        </div>
      ) : null}
    </>
  );
}
