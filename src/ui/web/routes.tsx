import { useEffect, useState } from 'preact/hooks';
import { Audit } from './audit.js';
import { ConfigForm } from './config-form.js';
import { Configurations } from './configs.js';
import { Keys } from './keys.js';
import { Tools } from './tools.js';

/** Hash routes: the server serves one document, and links still work with the keyboard and history. */
export type Route = { name: 'configs' } | { name: 'audit' } | { name: 'keys' } | { name: 'new' } | { name: 'edit'; id: string } | { name: 'tools'; id: string } | { name: 'unknown' };

export function parseRoute(hash: string): Route {
  const path = hash.replace(/^#/, '') || '/';
  if (path === '/' || path === '') return { name: 'configs' };
  if (path === '/audit') return { name: 'audit' };
  if (path === '/keys') return { name: 'keys' };
  if (path === '/new') return { name: 'new' };
  const m = /^\/config\/([A-Za-z0-9_]+)\/(edit|tools)$/.exec(path);
  if (m?.[1] && m[2] === 'edit') return { name: 'edit', id: m[1] };
  if (m?.[1] && m[2] === 'tools') return { name: 'tools', id: m[1] };
  return { name: 'unknown' };
}

export function useRoute(): Route {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const on = () => setRoute(parseRoute(location.hash));
    window.addEventListener('hashchange', on);
    return () => window.removeEventListener('hashchange', on);
  }, []);
  return route;
}

export function View(props: { route: Route }) {
  switch (props.route.name) {
    case 'configs':
      return <Configurations />;
    case 'new':
      return <ConfigForm />;
    case 'edit':
      return <ConfigForm id={props.route.id} key={props.route.id} />;
    case 'tools':
      return <Tools id={props.route.id} key={props.route.id} />;
    case 'audit':
      return <Audit />;
    case 'keys':
      return <Keys />;
    default:
      return (
        <p>
          No such page. <a href="#/">Back to your configurations</a>
        </p>
      );
  }
}
