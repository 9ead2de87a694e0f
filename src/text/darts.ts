/**
 * SentencePiece's normalisation table, written from TypeScript: a `precompiled_charsmap` is a double-array trie in
 * darts-clone's unit layout (UTF-8 source sequence → offset of its replacement), a uint32 giving the trie's size in
 * bytes before it, and the NUL-terminated replacements after it. SentencePiece replaces the longest matching
 * prefix at each position of the text and copies other characters as they are.
 *
 * The kit needs one table: KoBertTokenizer decomposes every Hangul syllable (NFKD) before SentencePiece sees it,
 * and KoBERT's nmt_nfkc table composes them back. `hangulComposeRules` is that composition alone (all 11,172
 * syllables), for the KoBERT-style stand-in tokenizer (src/text/spmtrain.ts); nmt_nfkc's other rules never apply
 * to KoBertTokenizer's NFKD output that matters here.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */

/** darts-clone unit fields: label in bits 0–7, has-leaf bit 8, offset in bits 10–30 (small offsets only here). */
const HAS_LEAF = 1 << 8;
const MAX_OFFSET = 1 << 21;

interface TrieNode {
  children: Map<number, TrieNode>;
  value: number | null;
}

/**
 * A double array that darts-clone's `commonPrefixSearch` (as SentencePiece runs it) reads: unit 0 is the root; a
 * node at p with offset o has its child for byte c at p ^ o ^ c, carrying label c, and its value (when a key ends
 * there) at p ^ o, with bit 31 set. Every node gets its own base p ^ o, so that no lookup lands on another node's
 * child with the right label. Sized to a multiple of 256 past every base, so any byte's lookup stays in the array.
 */
export function buildDoubleArray(entries: [Uint8Array, number][]): Uint32Array {
  const root: TrieNode = { children: new Map(), value: null };
  for (const [key, value] of entries) {
    if (!key.length) throw new Error('double array: empty key');
    if (value < 0 || value >= 2 ** 31) throw new Error(`double array: value ${value} out of range`);
    let n = root;
    for (const b of key) {
      let c = n.children.get(b);
      if (!c) {
        c = { children: new Map(), value: null };
        n.children.set(b, c);
      }
      n = c;
    }
    n.value = value;
  }
  let units = new Uint32Array(1 << 12),
    used = new Uint8Array(units.length),
    bases = new Uint8Array(units.length);
  const grow = (n: number) => {
    if (n <= units.length) return;
    let size = units.length;
    while (size < n) size *= 2;
    const u = new Uint32Array(size);
    u.set(units);
    units = u;
    const a = new Uint8Array(size);
    a.set(used);
    used = a;
    const b = new Uint8Array(size);
    b.set(bases);
    bases = b;
  };
  used[0] = 1;
  bases[0] = 1; // unit 0 is the root; no node may use base 0, whose value slot would be the root's unit
  let firstFree = 1,
    top = 0;
  const scanFrom = new Int32Array(256).fill(1);
  const queue: [TrieNode, number][] = [[root, 0]];
  for (let qi = 0; qi < queue.length; qi++) {
    const [node, pos] = queue[qi];
    const labels = [...node.children.keys()].sort((a, b) => a - b);
    if (node.value !== null) labels.unshift(0);
    if (!labels.length) continue;
    while (used[firstFree]) firstFree++;
    // Scan on from where the last node with the same first label was placed: free slots left behind stay
    // unused (a few per cent of the array) and the build stays linear instead of rescanning them for every node.
    let base = -1,
      q = Math.max(firstFree, scanFrom[labels[0]]);
    for (; ; q++) {
      if (q + 512 > units.length) grow(q + 512);
      if (used[q]) continue;
      const b = q ^ labels[0];
      if (bases[b] || (pos ^ b) >= MAX_OFFSET) continue;
      let free = true;
      for (let i = 1; i < labels.length && free; i++) free = !used[b ^ labels[i]];
      if (free) {
        base = b;
        break;
      }
    }
    scanFrom[labels[0]] = q;
    grow((base | 255) + 1);
    bases[base] = 1;
    top = Math.max(top, base | 255);
    units[pos] |= ((pos ^ base) << 10) >>> 0;
    if (node.value !== null) {
      units[pos] |= HAS_LEAF;
      units[base] = (node.value | 0x80000000) >>> 0;
      used[base] = 1;
    }
    for (const [c, child] of [...node.children.entries()].sort((a, b) => a[0] - b[0])) {
      used[base ^ c] = 1;
      units[base ^ c] = c;
      queue.push([child, base ^ c]);
    }
  }
  return units.slice(0, top + 1);
}

/** SentencePiece's `precompiled_charsmap` for rules [from, to]: a longer `from` wins where two match. */
export function precompiledCharsMap(rules: [string, string][]): Buffer {
  const enc = new TextEncoder();
  const seen = new Set<string>();
  const blobs: Buffer[] = [];
  const entries: [Uint8Array, number][] = [];
  let offset = 0;
  for (const [from, to] of rules) {
    if (seen.has(from)) throw new Error(`charsmap: two rules for ${JSON.stringify(from)}`);
    seen.add(from);
    entries.push([enc.encode(from), offset]);
    const b = Buffer.concat([Buffer.from(to, 'utf8'), Buffer.from([0])]);
    blobs.push(b);
    offset += b.length;
  }
  const trie = buildDoubleArray(entries);
  const head = Buffer.alloc(4);
  head.writeUInt32LE(trie.length * 4, 0);
  const body = Buffer.alloc(trie.length * 4);
  trie.forEach((u, i) => body.writeUInt32LE(u, i * 4));
  return Buffer.concat([head, body, ...blobs]);
}

/** Every Hangul syllable's NFKD jamo (L V, or L V T) → the syllable: U+AC00–U+D7A3, 11,172 rules. */
export function hangulComposeRules(): [string, string][] {
  const rules: [string, string][] = [];
  for (let cp = 0xac00; cp <= 0xd7a3; cp++) {
    const s = String.fromCodePoint(cp);
    rules.push([s.normalize('NFKD'), s]);
  }
  return rules;
}
