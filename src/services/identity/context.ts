/** What the edge tells a service about the request: never trusted for authorisation by itself. */
export interface RequestContext {
  readonly ip: string;
  readonly userAgent: string;
  /** The long-lived device token the client holds (cookie or X-Custos-Device), if any. */
  readonly deviceToken: string | null;
}

/** An authenticated session, as the HTTP layer puts it on the request. */
export interface Principal {
  readonly sessionId: string;
  readonly userId: string;
  readonly email: string;
  readonly deviceId: string | null;
  readonly stepUpAt: Date | null;
  readonly authMethods: readonly string[];
  readonly createdAt: Date;
  readonly absoluteExpiresAt: Date;
}

export const actorOf = (p: { userId: string }) => `user:${p.userId}`;
