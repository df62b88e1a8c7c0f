/** Who is calling. A user principal sees the user's configurations; a bare API key sees its own. */
export interface Principal {
  organization_id: string;
  user_id?: string;
  api_key_id?: string;
  /** How the caller proved who they are, for logs and audit. */
  via: 'local' | 'api_key' | 'oidc';
}

/** The owner that new configurations of this principal get, and the key its views are indexed by. */
export interface Owner {
  organization_id: string;
  user_id?: string;
  api_key_id?: string;
}

export function ownerOf(p: Principal): Owner {
  return p.user_id
    ? { organization_id: p.organization_id, user_id: p.user_id }
    : { organization_id: p.organization_id, ...(p.api_key_id ? { api_key_id: p.api_key_id } : {}) };
}

/** A stable string for an owner: used for indexes, caches and event routing. */
export function ownerKey(o: Owner): string {
  return o.user_id ? `${o.organization_id}/u/${o.user_id}` : `${o.organization_id}/k/${o.api_key_id ?? ''}`;
}

export function principalLabel(p: Principal): string {
  return p.user_id ? `${p.organization_id}/${p.user_id}` : `${p.organization_id}/${p.api_key_id ?? '?'}`;
}

/** Whom a principal is, in words a person checks before connecting an account to it. */
export function describeOwner(o: Owner): string {
  return o.user_id ? `organization ${o.organization_id}, user ${o.user_id}` : `organization ${o.organization_id}, API key ${o.api_key_id ?? '?'}`;
}
