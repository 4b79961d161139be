/**
 * A signed checkpoint commits to the chain head at a position. Publishing it makes a rewrite of
 * everything up to that position detectable by anyone holding the public key, even an attacker
 * who controls the database and recomputes every hash.
 */
export function checkpointMessage(seq: bigint, hash: string): string {
  return `custos-audit-checkpoint/1\n${seq.toString()}\n${hash}`;
}
