import { useQuery } from '@tanstack/react-query';
import { lazy, type ReactNode, Suspense } from 'react';
import { createBrowserRouter, Link, Navigate } from 'react-router';
import { adminRoutes } from './admin/routes';
import { type Account, get } from './api';
import { PublicLayout, SecurityLayout } from './components/layout';
import { Page } from './components/ui';
import { BalancesPage } from './pages/balances';
import { DevicesPage } from './pages/devices';
import {
  ApproveDevicePage,
  ConfirmEmailChangePage,
  LockedPage,
  NotMePage,
  ResetPasswordPage,
} from './pages/email-links';
import { BackupCodesPage, PasskeysPage, TotpPage } from './pages/factors';
import { OverviewPage } from './pages/overview';
import { RecoveryCancelPage, RecoveryPage } from './pages/recovery';
import {
  AccountPage,
  AntiPhishingPage,
  HistoryPage,
  IpAllowlistPage,
  SettingsLockPage,
} from './pages/settings';
import { ApproveWaitPage, SignInPage } from './pages/sign-in';
import { SignUpPage, VerifyEmailPage } from './pages/sign-up';
import { AddressBookPage, ConfirmAddressPage, WithdrawalLockPage } from './pages/withdrawal-protection';
import { ConfirmWithdrawalPage, WithdrawalPage, WithdrawalsPage, WithdrawPage } from './pages/withdrawals';

// Proof of reserves brings uPlot and the verifier's crypto: loaded with its pages only.
const ReservesPage = lazy(() => import('./pages/reserves').then((m) => ({ default: m.ReservesPage })));
const ScorecardPage = lazy(() => import('./pages/scorecard').then((m) => ({ default: m.ScorecardPage })));
const TransparencyPage = lazy(() =>
  import('./pages/transparency').then((m) => ({ default: m.TransparencyPage })),
);
const loaded = (page: ReactNode) => <Suspense fallback={<p aria-busy="true">Loading…</p>}>{page}</Suspense>;

/** `/`: the security center when signed in, the sign-in page otherwise. */
function Home() {
  const me = useQuery({ queryKey: ['me'], queryFn: () => get<Account>('/v1/me'), retry: false });
  if (me.isLoading) return <p aria-busy="true">Loading…</p>;
  return <Navigate to={me.data ? '/security' : '/sign-in'} replace />;
}

function NotFound() {
  return (
    <Page title="Page not found">
      <p>
        There is no page here. Go to the <Link to="/">security center</Link>.
      </p>
    </Page>
  );
}

/**
 * The server answers every page path with the app (src/http/web-app.ts); the email links point at
 * the public pages.
 */
export const router = createBrowserRouter([
  {
    element: <PublicLayout />,
    children: [
      { path: '/', element: <Home /> },
      { path: '/sign-in', element: <SignInPage /> },
      { path: '/sign-in/approve', element: <ApproveWaitPage /> },
      { path: '/sign-up', element: <SignUpPage /> },
      { path: '/verify-email', element: <VerifyEmailPage /> },
      { path: '/approve-device', element: <ApproveDevicePage /> },
      { path: '/not-me', element: <NotMePage /> },
      { path: '/locked', element: <LockedPage /> },
      { path: '/reset-password', element: <ResetPasswordPage /> },
      { path: '/recovery', element: <RecoveryPage /> },
      { path: '/recovery/cancel', element: <RecoveryCancelPage /> },
      { path: '/confirm-email-change', element: <ConfirmEmailChangePage /> },
      { path: '/confirm-address', element: <ConfirmAddressPage /> },
      { path: '/confirm-withdrawal', element: <ConfirmWithdrawalPage /> },
      { path: '/transparency', element: loaded(<TransparencyPage />) },
      { path: '/scorecard', element: loaded(<ScorecardPage />) },
      { path: '*', element: <NotFound /> },
    ],
  },
  {
    path: '/security',
    element: <SecurityLayout />,
    children: [
      { index: true, element: <OverviewPage /> },
      { path: 'balances', element: <BalancesPage /> },
      { path: 'withdraw', element: <WithdrawPage /> },
      { path: 'withdrawals', element: <WithdrawalsPage /> },
      { path: 'withdrawals/:id', element: <WithdrawalPage /> },
      { path: 'addresses', element: <AddressBookPage /> },
      { path: 'withdrawal-lock', element: <WithdrawalLockPage /> },
      { path: 'reserves', element: loaded(<ReservesPage />) },
      { path: 'totp', element: <TotpPage /> },
      { path: 'passkeys', element: <PasskeysPage /> },
      { path: 'backup-codes', element: <BackupCodesPage /> },
      { path: 'devices', element: <DevicesPage /> },
      { path: 'anti-phishing', element: <AntiPhishingPage /> },
      { path: 'ip-allowlist', element: <IpAllowlistPage /> },
      { path: 'settings-lock', element: <SettingsLockPage /> },
      { path: 'account', element: <AccountPage /> },
      { path: 'history', element: <HistoryPage /> },
      { path: '*', element: <NotFound /> },
    ],
  },
  // The staff console (web/src/admin): its own layout and session.
  ...adminRoutes,
]);
