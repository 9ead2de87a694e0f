/**
 * `hai serve`: the course's translator web app (the original was Streamlit) on Node's http module. One
 * Korean page (page.ts) and a JSON API:
 *
 *   POST /api/translate {text, source, target}  → {detected?, route, output, from, to, translator}
 *   POST /api/classify  {text}                  → {label, name, probs, detector}
 *   GET  /api/info                              → what is loaded
 *
 * Bad input gets a 400 with {"error"}: empty text, text over `maxChars`, an unknown source or target,
 * malformed JSON. `source: "auto"` with no detector gets a 503 that says how to get one. Models are made
 * once, when the app is made (or, for a checkpoint, on first use) and kept.
 *
 * Introduced in notebooks/07_translator.ipynb.
 */
import * as http from 'node:http';
import { Translator, Variety, parseVariety } from '../translate/corpustranslator';
import { TranslatorUnavailableError } from '../translate/kobart';
import { Detector } from './detect';
import { renderPage } from './page';

export interface AppConfig {
  translator: Translator;
  /** The hub models' translator, when asked for (`translator: "hub"` in a request). */
  hub: Translator | null;
  detector: Detector | null;
  /** Longest text accepted, in characters. */
  maxChars: number;
}
export const appDefaults = (o: Partial<AppConfig> & { translator: Translator }): AppConfig => ({
  hub: null,
  detector: null,
  maxChars: 500,
  ...o,
});

export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const AUTO = new Set(['auto', '자동']);
const MAX_BODY = 64 * 1024;

function field(body: Record<string, unknown>, name: string): unknown {
  if (!(name in body)) throw new HttpError(400, `missing field "${name}"`);
  return body[name];
}

function checkText(body: Record<string, unknown>, maxChars: number): string {
  const text = field(body, 'text');
  if (typeof text !== 'string') throw new HttpError(400, 'field "text" must be a string');
  if (!text.trim()) throw new HttpError(400, 'field "text" is empty: type a sentence');
  if ([...text].length > maxChars)
    throw new HttpError(400, `field "text" has ${[...text].length} characters; the limit is ${maxChars}`);
  return text.trim();
}

function variety(v: unknown, name: string, allowAuto: boolean): Variety | 'auto' {
  if (typeof v !== 'string') throw new HttpError(400, `field "${name}" must be a string`);
  if (allowAuto && AUTO.has(v.trim())) return 'auto';
  try {
    return parseVariety(v);
  } catch (e) {
    throw new HttpError(400, `field "${name}": ${(e as Error).message}${allowAuto ? ' (or auto / 자동)' : ''}`);
  }
}

const NO_DETECTOR =
  'source "auto" needs a classifier and this server has none: start it with --model <checkpoint> ' +
  '(train one: hai train --preset fast --standin), or without --detector none for the Naive Bayes baseline, or pick the source variety';

/** The API as a plain function (what the server calls and the tests call): status and JSON body. */
export async function handleApi(
  cfg: AppConfig,
  route: string,
  body: unknown,
): Promise<{ status: number; json: unknown }> {
  try {
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new HttpError(400, 'the request body must be a JSON object');
    const b = body as Record<string, unknown>;
    if (route === '/api/classify') {
      const text = checkText(b, cfg.maxChars);
      if (!cfg.detector) throw new HttpError(503, NO_DETECTOR.replace('source "auto" needs', '/api/classify needs'));
      const [d] = await cfg.detector.classify([text]);
      return {
        status: 200,
        json: { label: d.label, name: d.name, probs: d.probs, detector: cfg.detector.description },
      };
    }
    if (route === '/api/translate') {
      const text = checkText(b, cfg.maxChars);
      const source = variety(field(b, 'source'), 'source', true),
        target = variety(field(b, 'target'), 'target', false) as Variety;
      const which = b.translator === undefined ? 'corpus' : b.translator;
      if (which !== 'corpus' && which !== 'hub')
        throw new HttpError(400, `field "translator" must be "corpus" or "hub", got ${JSON.stringify(which)}`);
      const tr = which === 'hub' ? cfg.hub : cfg.translator;
      if (!tr)
        throw new HttpError(
          503,
          'the hub translator is not set up on this server (start it with --hub-dir <converted ONNX folders>)',
        );
      let from: Variety, detected: unknown;
      if (source === 'auto') {
        if (!cfg.detector) throw new HttpError(503, NO_DETECTOR);
        const [d] = await cfg.detector.classify([text]);
        from = d.variety;
        detected = { label: d.label, name: d.name, probs: d.probs, detector: cfg.detector.description };
      } else from = source;
      const why = (tr as Translator & { unavailable(f?: Variety, t?: Variety): string | null }).unavailable(
        from,
        target,
      );
      if (why) throw new HttpError(503, why);
      const r = await tr.translate(text, from, target);
      return {
        status: 200,
        json: {
          ...(detected ? { detected } : {}),
          route: r.route,
          output: r.output,
          from,
          to: target,
          translator: tr.kind,
          hops: r.hops,
        },
      };
    }
    throw new HttpError(404, `no such API: ${route}`);
  } catch (e) {
    if (e instanceof HttpError) return { status: e.status, json: { error: e.message } };
    if (e instanceof TranslatorUnavailableError) return { status: 503, json: { error: e.message } };
    return { status: 500, json: { error: (e as Error).message } };
  }
}

function send(res: http.ServerResponse, status: number, body: string, type: string) {
  res.writeHead(status, {
    'content-type': type,
    'content-length': Buffer.byteLength(body),
    'cache-control': 'no-store',
  });
  res.end(body);
}

/** The http server (not yet listening). */
export function createAppServer(cfg: AppConfig): http.Server {
  const page = renderPage({
    detector: cfg.detector?.descriptionKo ?? null,
    maxChars: cfg.maxChars,
    hub: Boolean(cfg.hub),
  });
  return http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    if (req.method === 'GET' && (url.pathname === '/' || url.pathname === '/index.html'))
      return send(res, 200, page, 'text/html; charset=utf-8');
    if (req.method === 'GET' && url.pathname === '/api/info') {
      return send(
        res,
        200,
        JSON.stringify({
          translator: cfg.translator.kind,
          hub: cfg.hub ? (cfg.hub.unavailable() ?? 'available') : null,
          detector: cfg.detector?.description ?? null,
          maxChars: cfg.maxChars,
        }),
        'application/json; charset=utf-8',
      );
    }
    if (!url.pathname.startsWith('/api/')) return send(res, 404, 'not found', 'text/plain; charset=utf-8');
    if (req.method !== 'POST')
      return send(
        res,
        405,
        JSON.stringify({ error: `${url.pathname} takes POST with a JSON body` }),
        'application/json; charset=utf-8',
      );
    const chunks: Buffer[] = [];
    let size = 0,
      tooBig = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) tooBig = true;
      else chunks.push(c);
    });
    req.on('end', async () => {
      if (tooBig)
        return send(
          res,
          413,
          JSON.stringify({ error: `request body over ${MAX_BODY} bytes` }),
          'application/json; charset=utf-8',
        );
      let body: unknown;
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8'));
      } catch (e) {
        return send(
          res,
          400,
          JSON.stringify({ error: `malformed JSON: ${(e as Error).message}` }),
          'application/json; charset=utf-8',
        );
      }
      const r = await handleApi(cfg, url.pathname, body);
      send(res, r.status, JSON.stringify(r.json), 'application/json; charset=utf-8');
    });
  });
}

/** Starts listening; resolves with the server and its URL (port 0 picks a free port). */
export function listen(server: http.Server, port: number, host: string): Promise<{ server: http.Server; url: string }> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const a = server.address();
      const p = typeof a === 'object' && a ? a.port : port;
      resolve({ server, url: `http://${host.includes(':') ? `[${host}]` : host}:${p}/` });
    });
  });
}
