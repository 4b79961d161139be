import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { type Account, ApiError, clientConfig, forgetSession, get, post } from '../api';
import { StepUpProvider } from './step-up';
import { ErrorNote } from './ui';

export const useAccount = () => useQuery({ queryKey: ['me'], queryFn: () => get<Account>('/v1/me') });

function Footer() {
  const { devMailbox } = clientConfig();
  return (
    <footer className="footer">
      <span>Custos security center</span>
      {devMailbox ? (
        <a href="/dev/mailbox" target="_blank" rel="noreferrer">
          Development mailbox
        </a>
      ) : null}
      <Link to="/transparency">Transparency</Link>
      <Link to="/scorecard">Safety scorecard</Link>
      <a href="/docs">API reference</a>
    </footer>
  );
}

/** Pages a signed-out visitor uses: sign-in, sign-up, email landings. */
export function PublicLayout() {
  return (
    <div className="shell">
      <header className="topbar">
        <Link to="/" className="brand">
          Custos
        </Link>
      </header>
      <main id="main">
        <Outlet />
      </main>
      <Footer />
    </div>
  );
}

const NAV: [string, string][] = [
  ['/security', 'Overview'],
  ['/security/balances', 'Balances and transfers'],
  ['/security/withdraw', 'Withdraw'],
  ['/security/withdrawals', 'Withdrawals'],
  ['/security/addresses', 'Address book'],
  ['/security/withdrawal-lock', 'Withdrawal lock and caps'],
  ['/security/reserves', 'Proof of reserves'],
  ['/security/totp', 'Authenticator app'],
  ['/security/passkeys', 'Passkeys'],
  ['/security/backup-codes', 'Backup codes'],
  ['/security/devices', 'Devices and sessions'],
  ['/security/anti-phishing', 'Anti-phishing code'],
  ['/security/ip-allowlist', 'IP allow-list'],
  ['/security/settings-lock', 'Settings lock'],
  ['/security/account', 'Password and email'],
  ['/security/history', 'Security history'],
];

/** The one-button lock: in the header of every signed-in page. */
function LockButton() {
  const ref = useRef<HTMLDialogElement>(null);
  const navigate = useNavigate();
  const qc = useQueryClient();
  const lock = useMutation({
    mutationFn: () => post<{ locked: boolean; sessionsEnded: number }>('/v1/me/lock'),
    onSuccess: (r) => {
      forgetSession();
      qc.clear();
      navigate('/locked', { state: { sessionsEnded: r.sessionsEnded } });
    },
  });
  return (
    <>
      <button type="button" className="danger lock" onClick={() => ref.current?.showModal()}>
        Lock my account
      </button>
      <dialog ref={ref} className="dialog" aria-labelledby="lock-title">
        <h2 id="lock-title">Lock your account now?</h2>
        <p>
          Every session ends, including this one, and nothing can be signed in to or withdrawn until you
          unlock it through account recovery. Use it if you think someone else has access.
        </p>
        <ErrorNote error={lock.error} />
        <div className="actions">
          <button type="button" className="danger" disabled={lock.isPending} onClick={() => lock.mutate()}>
            {lock.isPending ? 'Locking…' : 'Lock my account'}
          </button>
          <button type="button" onClick={() => ref.current?.close()}>
            Cancel
          </button>
        </div>
      </dialog>
    </>
  );
}

/** The signed-in security center: navigation, lock button, step-up dialog. */
export function SecurityLayout() {
  const account = useAccount();
  const location = useLocation();
  const navigate = useNavigate();
  const qc = useQueryClient();
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [location.pathname]);

  if (account.error instanceof ApiError && account.error.status === 401) {
    return <Navigate to={`/sign-in?next=${encodeURIComponent(location.pathname)}`} replace />;
  }
  const signOut = async () => {
    try {
      await post('/v1/auth/sign-out');
    } finally {
      forgetSession();
      qc.clear();
      navigate('/sign-in');
    }
  };
  return (
    <StepUpProvider account={account.data}>
      <div className="shell">
        <a className="skip" href="#main">
          Skip to content
        </a>
        <header className="topbar">
          <Link to="/security" className="brand">
            Custos
          </Link>
          <button
            type="button"
            className="menu-toggle"
            aria-expanded={menuOpen}
            aria-controls="nav"
            onClick={() => setMenuOpen((o) => !o)}
          >
            Menu
          </button>
          <span className="who">{account.data?.email}</span>
          <LockButton />
          <button type="button" onClick={signOut}>
            Sign out
          </button>
        </header>
        <div className="body">
          <nav id="nav" className={menuOpen ? 'nav open' : 'nav'} aria-label="Security settings">
            <ul>
              {NAV.map(([to, label]) => (
                <li key={to}>
                  <NavLink to={to} end>
                    {label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
          <main id="main">
            {account.error ? <ErrorNote error={account.error} /> : null}
            {account.data ? <Outlet /> : account.isLoading ? <p aria-busy="true">Loading…</p> : null}
          </main>
        </div>
        <Footer />
      </div>
    </StepUpProvider>
  );
}
