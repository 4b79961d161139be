import { createRoute, OpenAPIHono, z } from '@hono/zod-openapi';
import { CustosError } from '../../domain/errors.js';
import { serializeProof } from '../../domain/reserves/proof.js';
import {
  listSnapshots,
  publishedManifestText,
  ratioHistory,
  type SnapshotSummary,
  takeSnapshot,
  userSnapshots,
} from '../../services/reserves/snapshots.js';
import { userProofs } from '../../services/reserves/snapshot-proofs.js';
import {
  addWallet,
  listWallets,
  removeWallet,
  type ReserveWallet,
  setWalletBalance,
} from '../../services/reserves/wallet-registry.js';
import type { AppEnv } from '../env.js';
import { requireSession } from '../middleware/auth.js';
import { Iso, iso, isoOrNull, jsonBody, ok } from '../openapi.js';
import { requireOperator } from './admin.routes.js';

const SnapshotId = z.object({
  id: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/, 'a snapshot id, e.g. 2026-11-21T00:00:00Z')
    .openapi({ param: { name: 'id', in: 'path' }, example: '2026-11-21T00:00:00Z' }),
});
const WalletId = z.object({ id: z.uuid().openapi({ param: { name: 'id', in: 'path' } }) });
const Units = z.string().regex(/^(0|[1-9][0-9]{0,77})$/, 'an integer in smallest units, as a string');
const Manifest = z
  .object({})
  .passthrough()
  .openapi('PorManifest', { description: 'A signed custos-por/1 manifest (docs/por-format.md)' });

const Wallet = z
  .object({
    id: z.string(),
    asset: z.string(),
    label: z.string(),
    address: z.string(),
    source: z.enum(['manual', 'chain']),
    balance: z.string().nullable().openapi({ description: 'Manual wallets: the observed balance' }),
    observedAt: Iso.nullable(),
    updatedAt: Iso,
  })
  .openapi('ReserveWallet');
const walletJson = (w: ReserveWallet) => ({
  id: w.id,
  asset: w.asset,
  label: w.label,
  address: w.address,
  source: w.source,
  balance: w.balance === null ? null : w.balance.toString(),
  observedAt: isoOrNull(w.observedAt),
  updatedAt: iso(w.updatedAt),
});

const Snapshot = z
  .object({
    id: z.string(),
    takenAt: Iso,
    status: z.enum(['building', 'published', 'failed']),
    trigger: z.enum(['schedule', 'operator']),
    requestedBy: z.string(),
    error: z.string().nullable(),
    manifest: Manifest.nullable(),
  })
  .openapi('PorSnapshot');
const snapshotJson = (s: SnapshotSummary) => ({
  id: s.id,
  takenAt: iso(s.takenAt),
  status: s.status,
  trigger: s.trigger,
  requestedBy: s.requestedBy,
  error: s.error,
  manifest: s.manifest as Record<string, unknown> | null,
});

const manifestResponse = (text: string) =>
  new Response(text, {
    status: 200,
    headers: { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'public, max-age=60' },
  });

/** Proof of reserves (S8): public manifests and history, customers' proofs, operators' registry. */
export function reservesRoutes() {
  const app = new OpenAPIHono<AppEnv>();

  // Public: anyone may read what the platform publishes.
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reserves/manifest',
      tags: ['Proof of reserves'],
      summary: 'The latest signed manifest, byte for byte as signed (public)',
      responses: ok(Manifest),
    }),
    async (c) => manifestResponse(await publishedManifestText(c.get('deps'))) as never,
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reserves/manifests/{id}',
      tags: ['Proof of reserves'],
      summary: 'The signed manifest of one snapshot (public)',
      request: { params: SnapshotId },
      responses: ok(Manifest),
    }),
    async (c) =>
      manifestResponse(await publishedManifestText(c.get('deps'), c.req.valid('param').id)) as never,
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/reserves/history',
      tags: ['Proof of reserves'],
      summary: 'Reserves, liabilities and ratio per asset of every published snapshot, oldest first (public)',
      responses: ok(
        z.object({
          publicKey: z
            .string()
            .openapi({ description: 'The manifest signing key (also publish it elsewhere)' }),
          items: z.array(
            z.object({
              snapshotId: z.string(),
              assets: z.array(
                z.object({
                  asset: z.string(),
                  decimals: z.number().int(),
                  totalLiabilities: z.string(),
                  reserves: z.string(),
                  reserveRatio: z.string().nullable(),
                }),
              ),
            }),
          ),
        }),
      ),
    }),
    async (c) => {
      const deps = c.get('deps');
      const items = await ratioHistory(deps);
      return c.json(
        {
          publicKey: deps.porSigner.publicKeyHex,
          items: items.map((i) => ({ ...i, assets: [...i.assets] })),
        },
        200,
      );
    },
  );

  // Customers: their snapshots and proofs.
  app.use('/v1/me/reserves/*', requireSession());
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/reserves/snapshots',
      tags: ['Proof of reserves'],
      summary: 'The published snapshots in which you hold assets, newest first',
      responses: ok(
        z.object({
          items: z.array(
            z.object({
              snapshotId: z.string(),
              takenAt: Iso,
              holdings: z.array(z.object({ asset: z.string(), value: z.string() })),
            }),
          ),
        }),
      ),
    }),
    async (c) => {
      const items = await userSnapshots(c.get('deps'), c.get('principal').userId);
      return c.json(
        {
          items: items.map((s) => ({
            snapshotId: s.snapshotId,
            takenAt: iso(s.takenAt),
            holdings: s.holdings.map((h) => ({ asset: h.asset, value: h.value.toString() })),
          })),
        },
        200,
      );
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/me/reserves/snapshots/{id}/proofs',
      tags: ['Proof of reserves'],
      summary:
        'Your inclusion proofs in one snapshot (one per asset) and its manifest; ?format=jsonl to download',
      request: {
        params: SnapshotId,
        query: z.object({ format: z.enum(['json', 'jsonl']).optional() }),
      },
      responses: ok(z.object({ manifest: Manifest, proofs: z.array(z.object({}).passthrough()) })),
    }),
    async (c) => {
      const { id } = c.req.valid('param');
      const r = await userProofs(c.get('deps'), c.get('principal').userId, id);
      if (c.req.valid('query').format === 'jsonl') {
        return new Response(r.proofs.map((p) => `${serializeProof(p)}\n`).join(''), {
          status: 200,
          headers: {
            'content-type': 'application/x-ndjson; charset=utf-8',
            'content-disposition': `attachment; filename="custos-proofs-${id.replace(/:/g, '')}.jsonl"`,
            'cache-control': 'no-store',
          },
        }) as never;
      }
      return c.json(
        {
          manifest: r.manifest as unknown as Record<string, unknown>,
          proofs: r.proofs.map((p) => JSON.parse(serializeProof(p)) as Record<string, unknown>),
        },
        200,
      );
    },
  );

  // Operators: snapshots and the wallet registry.
  app.use('/v1/admin/reserves/*', requireOperator('analyst', 'approver', 'admin'));
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/reserves/snapshots',
      tags: ['Admin'],
      summary: 'Every snapshot with its status, newest first',
      responses: ok(z.object({ items: z.array(Snapshot) })),
    }),
    async (c) => c.json({ items: (await listSnapshots(c.get('deps'))).map(snapshotJson) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/reserves/snapshots',
      tags: ['Admin'],
      summary: 'Take a snapshot now (admin): liabilities from the ledger, reserves from the registry',
      responses: ok(Snapshot),
    }),
    async (c) => {
      const op = c.get('operator');
      if (op.role !== 'admin') throw new CustosError('FORBIDDEN');
      const s = await takeSnapshot(c.get('deps'), { trigger: 'operator', requestedBy: `operator:${op.id}` });
      return c.json(snapshotJson(s), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'get',
      path: '/v1/admin/reserves/wallets',
      tags: ['Admin'],
      summary: 'The wallet registry: the wallets whose balances are the reserves',
      responses: ok(z.object({ items: z.array(Wallet) })),
    }),
    async (c) => c.json({ items: (await listWallets(c.get('deps'))).map(walletJson) }, 200),
  );
  app.openapi(
    createRoute({
      method: 'post',
      path: '/v1/admin/reserves/wallets',
      tags: ['Admin'],
      summary: 'Register a wallet (admin): a manual balance as observed, or read from the chain',
      request: jsonBody(
        z.object({
          asset: z.string().min(1).max(12),
          label: z.string().trim().min(1).max(100),
          address: z.string().trim().min(1).max(200),
          source: z.enum(['manual', 'chain']),
          balance: Units.optional(),
          observedAt: z.iso.datetime().optional(),
        }),
      ),
      responses: ok(Wallet),
    }),
    async (c) => {
      const op = c.get('operator');
      if (op.role !== 'admin') throw new CustosError('FORBIDDEN');
      const b = c.req.valid('json');
      const w = await addWallet(c.get('deps'), {
        asset: b.asset,
        label: b.label,
        address: b.address,
        source: b.source,
        ...(b.balance !== undefined ? { balance: BigInt(b.balance) } : {}),
        ...(b.observedAt ? { observedAt: new Date(b.observedAt) } : {}),
        actor: `operator:${op.id}`,
      });
      return c.json(walletJson(w), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'put',
      path: '/v1/admin/reserves/wallets/{id}/balance',
      tags: ['Admin'],
      summary: 'Record a manual wallet’s newly observed balance (admin)',
      request: {
        params: WalletId,
        ...jsonBody(z.object({ balance: Units, observedAt: z.iso.datetime().optional() })),
      },
      responses: ok(Wallet),
    }),
    async (c) => {
      const op = c.get('operator');
      if (op.role !== 'admin') throw new CustosError('FORBIDDEN');
      const b = c.req.valid('json');
      const w = await setWalletBalance(c.get('deps'), {
        id: c.req.valid('param').id,
        balance: BigInt(b.balance),
        ...(b.observedAt ? { observedAt: new Date(b.observedAt) } : {}),
        actor: `operator:${op.id}`,
      });
      return c.json(walletJson(w), 200);
    },
  );
  app.openapi(
    createRoute({
      method: 'delete',
      path: '/v1/admin/reserves/wallets/{id}',
      tags: ['Admin'],
      summary: 'Remove a wallet from the registry (admin); its record stays',
      request: { params: WalletId },
      responses: { 204: { description: 'Removed' } },
    }),
    async (c) => {
      const op = c.get('operator');
      if (op.role !== 'admin') throw new CustosError('FORBIDDEN');
      await removeWallet(c.get('deps'), { id: c.req.valid('param').id, actor: `operator:${op.id}` });
      return c.body(null, 204);
    },
  );
  return app;
}
