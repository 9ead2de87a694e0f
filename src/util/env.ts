/**
 * Environment switches (HAI_SMOKE, HAI_STANDIN, HF_HUB_OFFLINE, ...), read the way Python's `_is_true` does.
 *
 * Introduced in notebooks/00_setup.ipynb.
 */
/** Python's `_is_true`: 1, ON, YES, TRUE in any case. */
export const envTrue = (v: string | undefined) => ['1', 'ON', 'YES', 'TRUE'].includes((v ?? '').trim().toUpperCase());
