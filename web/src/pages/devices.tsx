import { useMutation, useQuery } from '@tanstack/react-query';
import { api, get, post } from '../api';
import { useRefetch } from '../components/queries';
import { useSensitive } from '../components/step-up';
import { DataTable, ErrorNote, fmt, Notice, Page, RenameRemove } from '../components/ui';

interface Device {
  id: string;
  name: string;
  trusted: boolean;
  current: boolean;
  approvedAt: string | null;
  lastSeenAt: string;
  lastIp: string;
  createdAt: string;
}
interface Session {
  id: string;
  current: boolean;
  device: { id: string; name: string } | null;
  ip: string;
  userAgent: string;
  createdAt: string;
  lastSeenAt: string;
  expiresAt: string;
}

export function DevicesPage() {
  const sensitive = useSensitive();
  const devices = useQuery({
    queryKey: ['devices'],
    queryFn: () => get<{ items: Device[] }>('/v1/me/devices'),
  });
  const sessions = useQuery({
    queryKey: ['sessions'],
    queryFn: () => get<{ items: Session[] }>('/v1/me/sessions'),
  });
  const reload = useRefetch('devices', 'sessions');
  const update = useMutation({
    mutationFn: ({ id, patch }: { id: string; patch: { name?: string; trusted?: boolean } }) =>
      sensitive(() => api('PATCH', `/v1/me/devices/${id}`, patch)),
    onSuccess: reload,
  });
  const removeDevice = useMutation({
    mutationFn: (id: string) => sensitive(() => api('DELETE', `/v1/me/devices/${id}`)),
    onSuccess: reload,
  });
  const endSession = useMutation({
    mutationFn: (id: string) => api<{ ended: number }>('DELETE', `/v1/me/sessions/${id}`),
    onSuccess: reload,
  });
  const endOthers = useMutation({
    mutationFn: () => post<{ ended: number }>('/v1/me/sessions/end-others'),
    onSuccess: reload,
  });
  return (
    <Page title="Devices and sessions">
      <ErrorNote
        error={
          devices.error ??
          sessions.error ??
          update.error ??
          removeDevice.error ??
          endSession.error ??
          endOthers.error
        }
      />
      <h2>Sessions</h2>
      <p className="small muted">Where your account is signed in now. End any you do not recognise.</p>
      <DataTable
        caption="Active sessions"
        columns={['Device', 'IP address', 'Signed in', 'Last seen']}
        actions
      >
        {(sessions.data?.items ?? []).map((s) => (
          <tr key={s.id} data-testid="session-row">
            <td>
              {s.device?.name ?? 'Unknown device'}{' '}
              {s.current ? <span className="badge">this session</span> : null}
              <div className="small muted">{s.userAgent}</div>
            </td>
            <td>{s.ip}</td>
            <td>{fmt(s.createdAt)}</td>
            <td>{fmt(s.lastSeenAt)}</td>
            <td className="row-actions">
              {s.current ? null : (
                <button type="button" className="danger" onClick={() => endSession.mutate(s.id)}>
                  End<span className="sr-only"> the session from {s.ip}</span>
                </button>
              )}
            </td>
          </tr>
        ))}
      </DataTable>
      {endOthers.data ? <Notice kind="ok">{endOthers.data.ended} other session(s) ended.</Notice> : null}
      <button
        type="button"
        className="danger"
        onClick={() => endOthers.mutate()}
        disabled={endOthers.isPending}
      >
        End all other sessions
      </button>

      <h2>Devices</h2>
      <p className="small muted">
        Browsers and apps approved on your account. A trusted device can still sign in while sign-ins from
        unknown places are paused. Removing a device ends its sessions; it must be approved by email again.
      </p>
      <DataTable caption="Approved devices" columns={['Name', 'Last seen', 'Trusted']} actions>
        {(devices.data?.items ?? []).map((d) => (
          <tr key={d.id} data-testid="device-row">
            <td>
              {d.name} {d.current ? <span className="badge">this device</span> : null}
              <div className="small muted">from {d.lastIp}</div>
            </td>
            <td>{fmt(d.lastSeenAt)}</td>
            <td>
              <label className="check">
                <input
                  type="checkbox"
                  checked={d.trusted}
                  onChange={(e) => update.mutate({ id: d.id, patch: { trusted: e.target.checked } })}
                />
                <span className="sr-only"> Trust {d.name}</span>
              </label>
            </td>
            <td className="row-actions">
              <RenameRemove
                name={d.name}
                what="device"
                onRename={(name) => update.mutate({ id: d.id, patch: { name } })}
                onRemove={() => removeDevice.mutate(d.id)}
              />
            </td>
          </tr>
        ))}
      </DataTable>
    </Page>
  );
}
