/** One benchmark's figures, as every `run*Bench` function returns them. */
export interface BenchResult {
  name: string;
  metrics: Record<string, number | string>;
  /** Speed of the measured path over the baseline measured in the same run (higher is better). */
  ratio?: number;
  /** The target the ratio or metrics are held to, in words (e.g. ">= 50x reference"). */
  target?: string;
}
