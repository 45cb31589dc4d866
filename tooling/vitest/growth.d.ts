export interface Growth {
  /** ms per call on the small input, on the large one, and large / small. */
  small: number;
  large: number;
  ratio: number;
  /** How the reference operation grew on the same inputs in the same rounds (1 without one). */
  referenceRatio: number;
  /** The bound the ratio is held to: `bound` (default 20), scaled up by the reference's growth beyond 10x. */
  limit: number;
}
/** How the time of `fn` grows from `small` to `large` (make `large` 10x `small`); see growth.js. */
export declare function measureGrowth<T>(
  fn: (input: T) => unknown,
  small: T,
  large: T,
  opts?: { bound?: number; budgetMs?: number; reference?: (input: T) => unknown },
): Growth;
