import fs from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import { formatUnits } from '../domain/ledger/amount.js';
import { listSnapshots, publishedManifestText, takeSnapshot } from '../services/reserves/snapshots.js';
import {
  addWallet,
  listWallets,
  removeWallet,
  setWalletBalance,
} from '../services/reserves/wallet-registry.js';
import { withDeps } from './with-deps.js';

const OPERATOR = 'cli';

function units(value: string): bigint {
  if (!/^(0|[1-9][0-9]{0,77})$/.test(value)) {
    throw new InvalidArgumentError('an integer in the asset’s smallest unit, e.g. 150000000');
  }
  return BigInt(value);
}

function when(value: string): Date {
  const d = new Date(value);
  if (Number.isNaN(d.getTime())) throw new InvalidArgumentError('a date and time, e.g. 2026-11-21T09:00:00Z');
  return d;
}

/** `custos por snapshot|snapshots|manifest|public-key|wallets …`: the live platform's proof of reserves. */
export function addLiveReservesCommands(por: Command): void {
  por
    .command('snapshot')
    .description('take a proof-of-reserves snapshot of the live ledger now, and publish its signed manifest')
    .action(async () => {
      await withDeps(async (deps) => {
        const s = await takeSnapshot(deps, { trigger: 'operator', requestedBy: OPERATOR });
        console.log(`snapshot ${s.id} published`);
        for (const a of s.manifest!.assets) {
          console.log(
            `  ${a.asset.padEnd(6)} customers ${String(a.leaf_count).padStart(8)}  liabilities ${formatUnits(BigInt(a.total_liabilities), a.decimals)}  reserves ${formatUnits(BigInt(a.reserves), a.decimals)}  ratio ${a.reserve_ratio ?? 'n/a (no liabilities)'}`,
          );
        }
      });
    });

  por
    .command('snapshots')
    .description('list the snapshots, newest first, with their status')
    .action(async () => {
      await withDeps(async (deps) => {
        const items = await listSnapshots(deps);
        if (!items.length) console.log('no snapshot yet');
        for (const s of items) {
          console.log(
            `${s.id}  ${s.status.padEnd(9)} ${s.trigger.padEnd(8)} ${s.requestedBy}${s.error ? `  (${s.error})` : ''}`,
          );
        }
      });
    });

  por
    .command('manifest')
    .description('print (or write) a published manifest, byte for byte as signed')
    .option('--id <snapshot>', 'the snapshot id (default: the latest)')
    .option('--out <file>', 'write it to a file instead')
    .action(async (opts: { id?: string; out?: string }) => {
      await withDeps(async (deps) => {
        const text = await publishedManifestText(deps, opts.id);
        if (opts.out) fs.writeFileSync(opts.out, text, { flag: 'wx' });
        else process.stdout.write(text);
      });
    });

  por
    .command('public-key')
    .description('print the manifest signing key (hex): publish it where customers can compare it')
    .action(async () => {
      await withDeps(async (deps) => {
        console.log(deps.porSigner.publicKeyHex);
      });
    });

  const wallets = por
    .command('wallets')
    .description('the wallet registry: the wallets whose balances are the reserves');
  wallets
    .command('list')
    .description('list the registered wallets')
    .action(async () => {
      await withDeps(async (deps) => {
        const items = await listWallets(deps);
        if (!items.length) console.log('no wallet registered');
        for (const w of items) {
          const balance =
            w.source === 'manual'
              ? `${w.balance!.toString()} (observed ${w.observedAt!.toISOString()})`
              : 'read from the chain';
          console.log(`${w.id}  ${w.asset.padEnd(6)} ${w.label}  ${w.address}  ${balance}`);
        }
      });
    });
  wallets
    .command('add')
    .description(
      'register a wallet: a manual balance as observed, or one read from the chain at each snapshot',
    )
    .requiredOption('--asset <symbol>', 'asset symbol')
    .requiredOption('--label <text>', 'a name for operators')
    .requiredOption('--address <address>', 'the wallet address')
    .option('--balance <units>', 'manual wallets: the observed balance in smallest units', units)
    .option('--observed-at <time>', 'manual wallets: when the balance was observed (default: now)', when)
    .option('--from-chain', 'read the balance from the chain adapter at each snapshot instead')
    .action(
      async (opts: {
        asset: string;
        label: string;
        address: string;
        balance?: bigint;
        observedAt?: Date;
        fromChain?: boolean;
      }) => {
        await withDeps(async (deps) => {
          const w = await addWallet(deps, {
            asset: opts.asset,
            label: opts.label,
            address: opts.address,
            source: opts.fromChain ? 'chain' : 'manual',
            ...(opts.balance !== undefined ? { balance: opts.balance } : {}),
            ...(opts.observedAt ? { observedAt: opts.observedAt } : {}),
            actor: OPERATOR,
          });
          console.log(`wallet ${w.id} registered for ${w.asset}`);
        });
      },
    );
  wallets
    .command('set-balance')
    .description('record a manual wallet’s newly observed balance')
    .argument('<id>', 'wallet id')
    .requiredOption('--balance <units>', 'the balance in smallest units', units)
    .option('--observed-at <time>', 'when it was observed (default: now)', when)
    .action(async (id: string, opts: { balance: bigint; observedAt?: Date }) => {
      await withDeps(async (deps) => {
        const w = await setWalletBalance(deps, {
          id,
          balance: opts.balance,
          ...(opts.observedAt ? { observedAt: opts.observedAt } : {}),
          actor: OPERATOR,
        });
        console.log(`wallet ${w.id}: ${w.balance!.toString()}`);
      });
    });
  wallets
    .command('remove')
    .description('remove a wallet from the registry (its record stays)')
    .argument('<id>', 'wallet id')
    .action(async (id: string) => {
      await withDeps(async (deps) => {
        await removeWallet(deps, { id, actor: OPERATOR });
        console.log(`wallet ${id} removed`);
      });
    });
}
