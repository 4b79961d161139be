/**
 * The standalone proof-of-reserves verifier (web/por-verifier/index.html): plain DOM, no
 * framework, bundled with the domain verifier and the @noble primitives into one HTML file that
 * works from disk with no network. Untrusted text (the proof's fields) only ever goes into
 * `textContent`.
 */
import { type Rejected, verifyProof } from '../../../src/domain/reserves/verify';
import { browserPorCrypto } from './browser-crypto';
import { checkProofs, type ProofCheck, type ProofReport } from './check-proof';
import { selfTest } from './self-test';
import './verifier-page.css';

/** The domain verifier's verdict with its amounts as strings (bigints do not cross to a test). */
export type CustosVerifyResult =
  | { readonly valid: true; readonly asset: string; readonly value: string; readonly rootHash: string }
  | Rejected;

declare global {
  interface Window {
    /**
     * `verifyProof` itself, with this page's crypto, on already-parsed values: for scripting the
     * page, and for the tests that run the published vectors in a browser.
     */
    custosVerify?: (proof: unknown, manifest: unknown, trustedPublicKeyHex: string) => CustosVerifyResult;
  }
}

window.custosVerify = (proof, manifest, key) => {
  const r = verifyProof(browserPorCrypto, proof, manifest, key);
  return r.valid ? { valid: true, asset: r.asset, value: r.value.toString(), rootHash: r.rootHash } : r;
};

function byId<T extends HTMLElement>(id: string): T {
  const el = document.getElementById(id);
  if (!el) throw new Error(`the page has no #${id}`);
  return el as T;
}

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  text?: string,
  className?: string,
): HTMLElementTagNameMap[K] {
  const e = document.createElement(tag);
  if (text !== undefined) e.textContent = text;
  if (className) e.className = className;
  return e;
}

function facts(rows: readonly (readonly [string, string])[]): HTMLDListElement {
  const dl = el('dl');
  for (const [term, value] of rows) dl.append(el('dt', term), el('dd', value));
  return dl;
}

function validCard(r: ProofReport): HTMLElement {
  const card = el('div', undefined, 'result ok');
  card.setAttribute('role', 'status');
  card.append(
    el('h2', `Valid: your ${r.asset} balance is counted`),
    facts([
      ['Your balance', `${r.amount} ${r.asset}`],
      ['Snapshot', r.snapshotId],
      ['Taken at', r.takenAt],
      ['Root hash', r.rootHash],
      ['Total customer liabilities', `${r.totalLiabilities} ${r.asset}`],
      ['Reserves (as published)', `${r.reserves} ${r.asset}`],
      ['Reserve ratio', r.reserveRatio ?? 'none (nothing owed)'],
    ]),
  );
  return card;
}

function failureCard(title: string, code: string, reason: string): HTMLElement {
  const card = el('div', undefined, 'result bad');
  card.setAttribute('role', 'alert');
  const heading = el('h2', `${title}: `);
  heading.append(el('code', code));
  card.append(heading, el('p', reason));
  return card;
}

function show(results: readonly ProofCheck[]): void {
  const out = byId('result');
  out.replaceChildren(
    ...results.map((r) => (r.valid ? validCard(r) : failureCard('Rejected', r.code, r.reason))),
  );
}

/** Reads of picked files still running: Verify waits for them, so it never checks stale text. */
const reading = new Set<Promise<void>>();

/** A picked file fills its text box, so the person sees (and may edit) what is verified. */
function loadFileInto(input: HTMLInputElement, target: HTMLTextAreaElement): void {
  input.addEventListener('change', () => {
    const file = input.files?.[0];
    if (!file) return;
    const read = file.text().then(
      (text) => {
        target.value = text;
      },
      () => {
        target.value = '';
      },
    );
    reading.add(read);
    void read.finally(() => reading.delete(read));
  });
}

const proof = byId<HTMLTextAreaElement>('proof');
const manifest = byId<HTMLTextAreaElement>('manifest');
const publicKey = byId<HTMLInputElement>('public-key');
loadFileInto(byId('proof-file'), proof);
loadFileInto(byId('manifest-file'), manifest);

byId<HTMLFormElement>('verify-form').addEventListener('submit', (event) => {
  event.preventDefault();
  void Promise.all(reading).then(() =>
    show(checkProofs(browserPorCrypto, proof.value, manifest.value, publicKey.value)),
  );
});

// Once the page shows: the known answers (a wrong one disables Verify), which also warm the
// code up. `data-self-test` says how it went, `data-self-test-ms` how long this cold start took.
setTimeout(() => {
  const t0 = performance.now();
  let ok: boolean;
  try {
    ok = selfTest(browserPorCrypto);
  } catch {
    ok = false;
  }
  const root = document.documentElement;
  root.dataset.selfTest = ok ? 'passed' : 'failed';
  root.dataset.selfTestMs = (performance.now() - t0).toFixed(1);
  if (ok) return;
  byId<HTMLButtonElement>('verify-button').disabled = true;
  byId('result').replaceChildren(
    failureCard(
      'Cannot verify here',
      'SELF_TEST_FAILED',
      'This browser does not compute the known answers (SHA-256, Ed25519, a known proof) as expected: ' +
        'no result of this page could be trusted here.',
    ),
  );
}, 0);

// Served by a platform, the page offers itself for download; opened from disk it already is.
if (location.protocol === 'http:' || location.protocol === 'https:') byId('download').hidden = false;
