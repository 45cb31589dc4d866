/** A seeded PRNG (mulberry32): the same seed gives the same sequence, uniform in [0, 1). */
export declare function seededRandom(seed: number): () => number;
