import { useQuery, useQueryClient } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate, useOutletContext } from 'react-router';
import { ApiError } from '../api';
import { ErrorNote, Page } from '../components/ui';
import { type AdminMe, adminGet, adminPost, forgetAdminSession, type Operator } from './api';

/**
 * The signed-in operator. Not polled: every request slides the 30-minute idle expiry of the staff
 * session, and a console left open must still time out.
 */
export const useAdminMe = () =>
  useQuery({ queryKey: ['admin', 'me'], queryFn: () => adminGet<AdminMe>('/v1/admin/me'), retry: false });

/** The operator of the page, from the layout (the pages render only once it is known). */
export const useOperator = () => useOutletContext<Operator>();

/** Staff-facing wording for the answers an operator can meet; anything else as the API says it. */
export function explain(error: unknown): unknown {
  if (!(error instanceof ApiError)) return error;
  const say = (message: string) =>
    new ApiError(error.status, error.code, message, error.requestId, error.details);
  switch (error.code) {
    case 'UNAUTHENTICATED':
      return say(
        'Your staff session has ended (after 30 minutes without activity, or 8 hours in all). Sign in again.',
      );
    case 'CSRF_REJECTED':
      return say('The request was refused because the console lost its session token. Reload the page.');
    case 'INVALID_CREDENTIALS':
      return say(
        'The email, password or authenticator code is not right. For safety we do not say which. Each code works once: wait for the next code before trying again.',
      );
    default:
      return error;
  }
}

/** An error in staff words, with a way back to the sign-in page when the session is gone. */
export function AdminError({ error }: { error: unknown }) {
  if (!error) return null;
  return (
    <>
      <ErrorNote error={explain(error)} />
      {error instanceof ApiError && error.code === 'UNAUTHENTICATED' ? (
        <p>
          <Link to="/admin/sign-in">Sign in to the admin console</Link>
        </p>
      ) : null}
    </>
  );
}

function AdminHeader({ children }: { children?: ReactNode }) {
  return (
    <header className="topbar admin-topbar">
      <Link to="/admin/reviews" className="brand">
        Custos admin
      </Link>
      {children}
    </header>
  );
}

function AdminFooter() {
  return (
    <footer className="footer">
      <span>Custos admin console: staff only, every action is recorded in the audit log.</span>
    </footer>
  );
}

/** The sign-in page's frame: no navigation, no operator. */
export function AdminPublicLayout() {
  return (
    <div className="shell admin">
      <AdminHeader />
      <main id="main">
        <Outlet />
      </main>
      <AdminFooter />
    </div>
  );
}

const NAV: [string, string][] = [
  ['/admin/reviews', 'Review queue'],
  ['/admin/controls', 'Withdrawal kill switches'],
  ['/admin/reserves', 'Proof of reserves'],
];

/** The signed-in console: who is signed in, the sections, sign-out; signed out, the sign-in page. */
export function AdminLayout() {
  const me = useAdminMe();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [signingOut, setSigningOut] = useState(false);
  const [signOutError, setSignOutError] = useState<unknown>(null);

  if (me.error instanceof ApiError && me.error.status === 401) {
    return <Navigate to={`/admin/sign-in?next=${encodeURIComponent(location.pathname)}`} replace />;
  }
  const signOut = async () => {
    setSigningOut(true);
    setSignOutError(null);
    try {
      await adminPost('/v1/admin/sign-out');
    } catch (e) {
      // A session that already ended is signed out all the same.
      if (!(e instanceof ApiError && e.status === 401)) {
        setSignOutError(e);
        setSigningOut(false);
        return;
      }
    }
    forgetAdminSession();
    qc.removeQueries({ queryKey: ['admin'] });
    navigate('/admin/sign-in', { replace: true, state: { signedOut: true } });
  };
  const op = me.data?.operator;
  return (
    <div className="shell admin">
      <a className="skip" href="#main">
        Skip to content
      </a>
      <AdminHeader>
        {op ? (
          <span className="admin-who" data-testid="operator">
            {op.email} <span className="badge">{op.role}</span>
          </span>
        ) : null}
        <button type="button" onClick={() => void signOut()} disabled={signingOut}>
          {signingOut ? 'Signing out…' : 'Sign out'}
        </button>
      </AdminHeader>
      <nav className="admin-nav" aria-label="Admin console">
        <ul>
          {NAV.map(([to, label]) => (
            <li key={to}>
              <NavLink to={to}>{label}</NavLink>
            </li>
          ))}
        </ul>
      </nav>
      <main id="main" className="admin-main">
        <ErrorNote error={signOutError} />
        {me.error ? <AdminError error={me.error} /> : null}
        {op ? <Outlet context={op} /> : me.isLoading ? <p aria-busy="true">Loading…</p> : null}
      </main>
      <AdminFooter />
    </div>
  );
}

/** `/admin`: the review queue. */
export function AdminHome() {
  return <Navigate to="/admin/reviews" replace />;
}

export function AdminNotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no admin page here. Go to the <Link to="/admin/reviews">review queue</Link>.
      </p>
    </Page>
  );
}
