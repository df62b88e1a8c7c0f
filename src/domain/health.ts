/** The outcome of checking one configuration: produced by the gateway, recorded by the services. */
export interface HealthResult {
  ok: boolean;
  /** Why the check failed, fit to show the owner (never a secret). */
  error?: string;
  /** What kind of failure (an UpstreamError kind such as `credentials`, or `credentials_unreadable`), for the audit trail. */
  kind?: string;
}
