import { useMutation } from '@tanstack/react-query';
import { type ReactNode, useState } from 'react';
import { post } from '../api';
import { ErrorNote, Field, Notice, onSubmit, Submit } from './ui';

/**
 * "Send me a link" forms (password reset, recovery): the answer is the same whether or not an
 * account uses the address, as the API's is.
 */
export function EmailRequestForm({
  endpoint,
  button,
  sent,
}: {
  endpoint: string;
  button: string;
  sent: (email: string) => ReactNode;
}) {
  const [email, setEmail] = useState('');
  const request = useMutation({ mutationFn: () => post(endpoint, { email }) });
  if (request.isSuccess) return <Notice kind="ok">{sent(email)}</Notice>;
  return (
    <form onSubmit={onSubmit(() => request.mutate())} className="form">
      <Field
        label="Email"
        type="email"
        inputMode="email"
        autoComplete="email"
        value={email}
        onChange={setEmail}
      />
      <ErrorNote error={request.error} />
      <Submit busy={request.isPending}>{button}</Submit>
    </form>
  );
}
