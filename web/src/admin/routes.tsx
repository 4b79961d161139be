import type { RouteObject } from 'react-router';
import { ControlsPage } from './controls';
import { AdminHome, AdminLayout, AdminNotFound, AdminPublicLayout } from './layout';
import { ReservesAdminPage } from './reserves';
import { ReviewPage, ReviewQueuePage } from './reviews';
import { AdminSignInPage } from './sign-in';

/** The staff console under /admin: its own sign-in, header and session, apart from the customers'. */
export const adminRoutes: RouteObject[] = [
  {
    element: <AdminPublicLayout />,
    children: [{ path: '/admin/sign-in', element: <AdminSignInPage /> }],
  },
  {
    path: '/admin',
    element: <AdminLayout />,
    children: [
      { index: true, element: <AdminHome /> },
      { path: 'reviews', element: <ReviewQueuePage /> },
      { path: 'reviews/:id', element: <ReviewPage /> },
      { path: 'controls', element: <ControlsPage /> },
      { path: 'reserves', element: <ReservesAdminPage /> },
      { path: '*', element: <AdminNotFound /> },
    ],
  },
];
