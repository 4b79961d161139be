import { Command, InvalidArgumentError } from 'commander';
import { ConfigError, loadConfig } from '../config.js';
import { CustosError } from '../domain/errors.js';
import { openDatabase } from '../db/database.js';
import { migrateToLatest } from '../db/migrate.js';
import { createOperator, OPERATOR_ROLES, type OperatorRole } from '../services/admin/operators.js';
import { createCheckpoint, exportAuditJsonl, verifyAuditLog } from '../services/audit/audit-log.js';
import { checkLedger } from '../services/ledger/ledger-check.js';
import {
  createServiceCredential,
  listServiceCredentials,
  revokeServiceCredential,
  SERVICE_SCOPES,
  type ServiceScope,
} from '../services/ledger/service-credentials.js';
import { getWithdrawalControls, setWithdrawalPause } from '../services/withdrawals/platform-controls.js';
import { processWithdrawals } from '../services/withdrawals/processor.js';
import { setTier } from '../services/withdrawals/tiers.js';
import { addPorCommands } from './por.js';
import { addLiveReservesCommands } from './por-live.js';
import { addScoreCommand } from './score.js';
import { runServe } from './serve.js';
import { withDeps } from './with-deps.js';

/** The `custos` command line: the same services the API uses, for operators. */
export async function runCli(argv: string[]): Promise<void> {
  const program = new Command()
    .name('custos')
    .description('The security core of a custodial crypto platform')
    .showHelpAfterError();

  program
    .command('serve', { isDefault: true })
    .description('serve the API (and run the notification worker)')
    .action(() => runServe(loadConfig()));

  program
    .command('migrate')
    .description('apply database migrations (also done at start)')
    .action(async () => {
      const config = loadConfig();
      const db = await openDatabase({ url: config.DATABASE_URL, pgliteDir: config.pgliteDir });
      const { applied } = await migrateToLatest(db.db);
      await db.close();
      console.log(applied.length ? `applied: ${applied.join(', ')}` : 'the database is up to date');
    });

  const admin = program.command('admin').description('operator accounts for the admin console');
  admin
    .command('create')
    .description('create an operator account; prints a one-time password unless --password-stdin')
    .requiredOption('--email <email>', 'operator email')
    .option('--role <role>', `one of ${OPERATOR_ROLES.join(', ')}`, parseRole, 'admin' as OperatorRole)
    .option('--password-stdin', 'read the password from standard input')
    .action(async (opts: { email: string; role: OperatorRole; passwordStdin?: boolean }) => {
      await withDeps(async (deps) => {
        const password = opts.passwordStdin ? (await readStdin()).trim() : undefined;
        const r = await createOperator(deps, { email: opts.email, role: opts.role, password });
        console.log(`operator ${r.email} created with role ${r.role} (id ${r.id})`);
        if (r.generatedPassword) console.log(`one-time password (shown once): ${r.generatedPassword}`);
        console.log(`authenticator app secret (shown once): ${r.totpSecret}`);
        console.log(`  or scan: ${r.totpUri}`);
      });
    });

  const ledger = program.command('ledger').description('the double-entry ledger');
  ledger
    .command('check')
    .description('recompute the invariants from the journal; exit code 1 lists what is wrong')
    .option('--json', 'print the verdict as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withDeps(async (deps) => {
        const v = await checkLedger(deps);
        if (opts.json) console.log(JSON.stringify(v));
        else if (v.ok)
          console.log(
            `ledger consistent: ${v.transactions} transactions, ${v.postings} postings, ${v.balances} balances; every asset sums to zero`,
          );
        else {
          console.log(`LEDGER INCONSISTENT: ${v.problems.length} problem(s)`);
          for (const p of v.problems) console.log(`  - ${JSON.stringify(p)}`);
        }
        if (!v.ok) process.exitCode = 1;
      });
    });

  const platform = program.command('platform').description("the platform's integration with Custos");
  const credentials = platform
    .command('credentials')
    .description('service credentials of the integration API');
  credentials
    .command('create')
    .description('create a credential; its token is printed once')
    .requiredOption('--name <name>', 'what uses it, e.g. "deposit watcher"')
    .requiredOption('--scopes <list>', `comma-separated: ${SERVICE_SCOPES.join(', ')}`, parseScopes)
    .action(async (opts: { name: string; scopes: ServiceScope[] }) => {
      await withDeps(async (deps) => {
        const { id, token } = await createServiceCredential(deps, { ...opts, actor: 'operator:cli' });
        console.log(`credential ${id} (${opts.name}): ${opts.scopes.join(', ')}`);
        console.log(`token (shown once; send it as "Authorization: Bearer <token>"):\n${token}`);
      });
    });
  credentials
    .command('list')
    .description('list credentials (never their secrets)')
    .action(async () => {
      await withDeps(async (deps) => {
        for (const c of await listServiceCredentials(deps))
          console.log(
            `${c.id}  ${c.name}  [${c.scopes}]  ${c.revoked_at ? `revoked ${c.revoked_at.toISOString()}` : 'active'}  last used ${c.last_used_at?.toISOString() ?? 'never'}`,
          );
      });
    });
  credentials
    .command('revoke <id>')
    .description('revoke a credential at once')
    .action(async (id: string) => {
      await withDeps(async (deps) => {
        if (!(await revokeServiceCredential(deps, id, 'operator:cli'))) {
          console.error(`no active credential ${id}`);
          process.exitCode = 1;
        } else console.log(`revoked ${id}`);
      });
    });

  const withdrawals = program.command('withdrawals').description('withdrawals: kill switches and the worker');
  const pauseAction = (paused: boolean) => async (opts: { asset?: string; reason: string }) => {
    await withDeps(async (deps) => {
      const c = await setWithdrawalPause(deps, {
        asset: opts.asset ?? null,
        paused,
        reason: opts.reason,
        actor: 'operator:cli',
      });
      console.log(
        c.pausedAll
          ? 'withdrawals are PAUSED for all assets'
          : c.pausedAssets.length
            ? `withdrawals are paused for ${c.pausedAssets.join(', ')}`
            : 'withdrawals are running for every asset',
      );
    });
  };
  withdrawals
    .command('pause')
    .description('kill switch: refuse new withdrawals and hold queued ones (one asset, or all)')
    .option('--asset <symbol>', 'only this asset')
    .requiredOption('--reason <text>', 'why (audited)')
    .action(pauseAction(true));
  withdrawals
    .command('resume')
    .description('lift a kill switch (one asset, or the platform-wide one)')
    .option('--asset <symbol>', 'only this asset')
    .requiredOption('--reason <text>', 'why (audited)')
    .action(pauseAction(false));
  withdrawals
    .command('status')
    .description('show the kill switches')
    .action(async () => {
      await withDeps(async (deps) => console.log(JSON.stringify(await getWithdrawalControls(deps.db))));
    });
  withdrawals
    .command('process')
    .description('run the withdrawal worker once (expiries, broadcasts, recovery, confirmations)')
    .action(async () => {
      await withDeps(async (deps) => console.log(JSON.stringify(await processWithdrawals(deps))));
    });

  program
    .command('tier')
    .description("set a user's verification tier after a manual review (kept with its history)")
    .requiredOption('--user <id>', 'user id')
    .requiredOption('--tier <name>', 'a configured tier')
    .requiredOption('--reason <text>', 'the review it follows (audited)')
    .action(async (opts: { user: string; tier: string; reason: string }) => {
      await withDeps(async (deps) => {
        const r = await setTier(deps, {
          userId: opts.user,
          tier: opts.tier,
          source: 'admin',
          actor: 'operator:cli',
          reference: opts.reason,
        });
        console.log(`tier of ${opts.user}: ${r.previous} -> ${r.tier}`);
      });
    });

  const audit = program.command('audit').description('the tamper-evident audit log');
  audit
    .command('verify')
    .description('verify the hash chain and signed checkpoints; exit code 1 names the first tampered event')
    .option('--json', 'print the verdict as JSON')
    .action(async (opts: { json?: boolean }) => {
      await withDeps(async (deps) => {
        const v = await verifyAuditLog(deps);
        if (opts.json) {
          console.log(JSON.stringify(v, (_k, val) => (typeof val === 'bigint' ? val.toString() : val)));
        } else if (v.ok && v.badCheckpointSignatures.length === 0) {
          console.log(
            `audit log intact: ${v.count} events, head ${v.headSeq} ${v.headHash}, ${v.checkpoints} signed checkpoints` +
              (v.unchained ? `; ${v.unchained} events of transactions still running wait to be sealed` : ''),
          );
        } else if (!v.ok) {
          console.log(
            `TAMPERED: first bad event is #${v.seq}${v.id ? ` (${v.id})` : ''}: ${v.kind}: ${v.message}`,
          );
        } else {
          console.log(
            `TAMPERED: checkpoint signatures do not verify at seq ${v.badCheckpointSignatures.join(', ')}`,
          );
        }
        if (!v.ok || v.badCheckpointSignatures.length) process.exitCode = 1;
      });
    });
  audit
    .command('checkpoint')
    .description('sign the current chain head (Ed25519) so it can be published')
    .action(async () => {
      await withDeps(async (deps) => {
        console.log(JSON.stringify(await createCheckpoint(deps)));
      });
    });
  audit
    .command('export')
    .description('write the audit log as JSON Lines to standard output')
    .option('--from <seq>', 'start after this sequence number', '0')
    .action(async (opts: { from: string }) => {
      await withDeps(async (deps) => {
        for await (const line of exportAuditJsonl(deps, BigInt(opts.from))) {
          if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
        }
      });
    });

  addLiveReservesCommands(addPorCommands(program));
  addScoreCommand(program);

  try {
    await program.parseAsync(argv);
  } catch (err) {
    if (err instanceof ConfigError) {
      console.error(err.message);
      process.exit(2);
    }
    // A refusal the API would answer with its code: the same code and words, no stack trace.
    if (err instanceof CustosError) {
      const details = (err.details ?? [])
        .map((d) => `\n  ${d.path ? `${d.path}: ` : ''}${d.message}`)
        .join('');
      console.error(`${err.code}: ${err.message}${details}`);
      process.exit(1);
    }
    throw err;
  }
}

function parseScopes(value: string): ServiceScope[] {
  const scopes = value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
  const bad = scopes.filter((s) => !(SERVICE_SCOPES as readonly string[]).includes(s));
  if (!scopes.length || bad.length) throw new InvalidArgumentError(`scopes are ${SERVICE_SCOPES.join(', ')}`);
  return scopes as ServiceScope[];
}

function parseRole(value: string): OperatorRole {
  if (!(OPERATOR_ROLES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${OPERATOR_ROLES.join(', ')}`);
  }
  return value as OperatorRole;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
