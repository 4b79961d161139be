import { useQueryClient } from '@tanstack/react-query';

/**
 * After a change: reload the given queries and the security checkup (almost every change moves
 * its score; a query no page shows is only marked stale).
 */
export function useRefetch(...keys: string[]) {
  const qc = useQueryClient();
  return () => {
    for (const key of [...keys, 'checkup']) void qc.invalidateQueries({ queryKey: [key] });
  };
}
