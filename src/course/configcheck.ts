/**
 * Checks a course config's fields by type before any work is done, so `hai train --lr abc` stops at once
 * with "lr: expected a positive number, got "abc"" instead of loading a model and failing inside AdamW.
 * Each field's type is that of its value in `courseDefaults()` (passed in, so this module does not import
 * course.ts); the fields whose default is null, the string choices and the ranges are listed here.
 *
 * Introduced in notebooks/03_baseline.ipynb.
 */
import { lossDefaults } from '../train/losses';

/** What a field may hold: a JSON type, a range, a set of strings; `null` where null is allowed. */
interface FieldType {
  type: 'number' | 'string' | 'boolean' | 'object' | 'any';
  int?: boolean;
  min?: number;
  above?: number;
  oneOf?: string[];
  nullable?: boolean;
}

// A field whose default is null and that is not listed below (one added later) is not checked: `any`.
const base = (v: unknown): FieldType => ({
  type:
    v === null || v === undefined
      ? 'any'
      : typeof v === 'number'
        ? 'number'
        : typeof v === 'boolean'
          ? 'boolean'
          : typeof v === 'string'
            ? 'string'
            : 'object',
});
const posInt: FieldType = { type: 'number', int: true, min: 1 };
/** Where the default alone does not say enough: nullable fields, choices, integers and ranges. */
const COURSE_EXTRA: Record<string, Partial<FieldType>> = {
  batch: posInt,
  maxlen: posInt,
  epochs: posInt,
  seed: { int: true },
  warmup_steps: { int: true, min: 0 },
  lr: { above: 0 },
  eps: { above: 0 },
  weight_decay: { min: 0 },
  max_grad_norm: { min: 0 },
  standin_lr_scale: { above: 0 },
  sampler: { oneOf: ['sequential', 'random', 'weighted'] },
  encoding: { oneOf: ['course', 'hf'] },
  adamw: { oneOf: ['torch', 'hf'] },
  freeze: { type: 'object', nullable: true },
  out: { type: 'string', nullable: true },
  standin: { type: 'boolean' },
  micro_batch: { ...posInt, nullable: true },
  max_train: { ...posInt, nullable: true },
  max_valid: { ...posInt, nullable: true },
  activation_checkpointing: { type: 'boolean', nullable: true },
  tokenizer_class: { type: 'string', nullable: true },
};
/**
 * `standin_recipe`'s fields (config.ts STANDIN_RECIPE_FIELDS; listed here so this module does not import config.ts).
 */
const RECIPE_FIELDS = ['batch', 'epochs', 'warmup_steps', 'sampler', 'loss'];
const LOSS_EXTRA: Record<string, Partial<FieldType>> = {
  kind: { oneOf: ['cross_entropy', 'focal'] },
  label_smoothing: { min: 0 },
  gamma: { min: 0 },
  class_weights: { type: 'object', nullable: true },
};

function types(
  defaults: Record<string, unknown>,
  extra: Record<string, Partial<FieldType> | undefined>,
): Record<string, FieldType> {
  const keys = new Set([...Object.keys(defaults), ...Object.keys(extra)]);
  return Object.fromEntries([...keys].map((k) => [k, { ...base(defaults[k]), ...extra[k] } as FieldType]));
}
type Defaults = object;
const COURSE_TYPES = (d: Defaults) => types(d as Record<string, unknown>, COURSE_EXTRA);
const LOSS_TYPES = () => types(lossDefaults() as unknown as Record<string, unknown>, LOSS_EXTRA);

/** Why `v` does not fit `t`, or null when it does. */
function mismatch(v: unknown, t: FieldType): string | null {
  if (t.type === 'any') return null;
  if (v === null) return t.nullable ? null : `expected ${describe(t)}, got null`;
  const got = typeof v === 'number' && !Number.isFinite(v) ? String(v) : (JSON.stringify(v) ?? String(v));
  if (t.type === 'object')
    return typeof v === 'object' ? null : `expected an object${t.nullable ? ' or null' : ''}, got ${got}`;
  if (typeof v !== t.type || (t.type === 'number' && !Number.isFinite(v))) return `expected ${describe(t)}, got ${got}`;
  if (t.type === 'number') {
    const n = v as number;
    if (
      (t.int && !Number.isInteger(n)) ||
      (t.min !== undefined && n < t.min) ||
      (t.above !== undefined && n <= t.above)
    )
      return `expected ${describe(t)}, got ${got}`;
  }
  if (t.oneOf && !t.oneOf.includes(v as string)) return `expected one of ${t.oneOf.join(', ')}, got ${got}`;
  return null;
}
function describe(t: FieldType): string {
  if (t.oneOf) return `one of ${t.oneOf.join(', ')}`;
  const range =
    t.above === 0 ? 'a positive ' : t.min === 1 && t.int ? 'a positive ' : t.min === 0 ? 'a non-negative ' : 'a ';
  const what =
    t.type === 'number'
      ? `${range}${t.int ? 'integer' : 'number'}`
      : t.type === 'boolean'
        ? 'true or false'
        : `a ${t.type}`;
  return what + (t.nullable ? ' or null' : '');
}

/**
 * Throws one error naming every field of `o` (a partial CourseConfig: overrides, a config file, a merged
 * config) that is unknown or of the wrong type, prefixed with `where` (a file name, "overrides");
 * `defaults` is `courseDefaults()` (course.ts's `checkCourseConfig` passes it).
 */
export function checkConfigTypes(o: object, where: string, defaults: Defaults): void {
  const T = COURSE_TYPES(defaults),
    problems: string[] = [];
  for (const [k, v] of Object.entries(o)) {
    if (!(k in T)) {
      problems.push(`unknown setting ${k}; known: ${Object.keys(T).join(', ')}`);
      continue;
    }
    if (v === undefined) continue;
    const why = mismatch(v, T[k]);
    if (why) {
      problems.push(`${k}: ${why}`);
      continue;
    }
    if (k === 'standin_recipe' && v) {
      const bad = Object.keys(v).filter((rk) => !RECIPE_FIELDS.includes(rk));
      if (bad.length)
        problems.push(`standin_recipe: unknown setting ${bad.join(', ')}; known: ${RECIPE_FIELDS.join(', ')}`);
      else
        try {
          checkConfigTypes(v, 'standin_recipe', defaults);
        } catch (e) {
          problems.push((e as Error).message);
        }
      continue;
    }
    if (k === 'loss' && v) {
      const L = LOSS_TYPES();
      for (const [lk, lv] of Object.entries(v as Record<string, unknown>)) {
        if (!(lk in L))
          problems.push(
            `unknown setting loss.${lk}; known: ${Object.keys(L)
              .map((x) => `loss.${x}`)
              .join(', ')}`,
          );
        else if (lk === 'class_weights' && lv === 'balanced') continue;
        else {
          const lwhy = mismatch(lv, L[lk]);
          if (lwhy) problems.push(`loss.${lk}: ${lwhy}`);
        }
      }
    }
  }
  if (problems.length) throw new Error(`${where}: ${problems.join('; ')}`);
}

/**
 * Whether a setting (`lr`, `loss.kind`) holds text, so a `--key value` override keeps it as written
 * (`--model_ckpt 123`).
 */
export function isStringSetting(key: string, defaults: Defaults): boolean {
  const [a, b, more] = key.split('.');
  const t =
    b === undefined ? COURSE_TYPES(defaults)[a] : a === 'loss' && more === undefined ? LOSS_TYPES()[b] : undefined;
  return t?.type === 'string';
}
