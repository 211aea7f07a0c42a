//! A small seeded PRNG (SplitMix64) and the distributions the simulations need.
//!
//! Written here rather than taken from a crate so that the datasets stay byte-stable whatever
//! happens to `rand`'s algorithms across releases.

/// SplitMix64 generator.
#[derive(Clone, Debug)]
pub struct Rng(u64);

/// FNV-1a of a string, used to derive independent seeds from names.
pub fn hash_str(s: &str) -> u64 {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in s.bytes() {
        h ^= u64::from(b);
        h = h.wrapping_mul(0x0100_0000_01b3);
    }
    h
}

impl Rng {
    /// A generator seeded with `seed`.
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    /// A generator whose seed is derived from `name`.
    pub fn named(name: &str) -> Self {
        Rng(hash_str(name))
    }

    /// An independent stream for a sub-component, derived from this one's seed and a tag (does
    /// not advance `self`, so adding a component never shifts the others).
    pub fn fork(&self, tag: &str) -> Rng {
        let mut r = Rng(self.0 ^ hash_str(tag).rotate_left(17));
        r.next_u64();
        r
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9e37_79b9_7f4a_7c15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }

    /// Uniform in [0, 1).
    pub fn f64(&mut self) -> f64 {
        (self.next_u64() >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
    }

    /// Uniform integer in [lo, hi).
    pub fn range(&mut self, lo: i64, hi: i64) -> i64 {
        if hi <= lo {
            return lo;
        }
        lo + (self.next_u64() % (hi - lo) as u64) as i64
    }

    /// Uniform index below `n`.
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            return 0;
        }
        (self.next_u64() % n as u64) as usize
    }

    pub fn chance(&mut self, p: f64) -> bool {
        self.f64() < p
    }

    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }

    /// Index drawn with the given (not necessarily normalised) weights.
    pub fn weighted(&mut self, w: &[f64]) -> usize {
        let total: f64 = w.iter().sum();
        let mut x = self.f64() * total;
        for (i, wi) in w.iter().enumerate() {
            if x < *wi {
                return i;
            }
            x -= wi;
        }
        w.len() - 1
    }

    /// Pick from (item, weight) pairs.
    pub fn pick_w<'a, T>(&mut self, xs: &'a [(T, f64)]) -> &'a T {
        let w: Vec<f64> = xs.iter().map(|x| x.1).collect();
        &xs[self.weighted(&w)].0
    }

    /// Exponential with the given mean.
    pub fn exp(&mut self, mean: f64) -> f64 {
        -mean * (1.0 - self.f64()).ln()
    }

    /// Standard normal (Box-Muller).
    pub fn normal(&mut self) -> f64 {
        let u1 = 1.0 - self.f64();
        let u2 = self.f64();
        (-2.0 * u1.ln()).sqrt() * (std::f64::consts::TAU * u2).cos()
    }

    /// Log-normal with the given mean and log-space sigma.
    pub fn lognormal(&mut self, mean: f64, sigma: f64) -> f64 {
        let mu = mean.ln() - sigma * sigma / 2.0;
        (mu + sigma * self.normal()).exp()
    }

    /// Poisson-distributed count.
    pub fn poisson(&mut self, lambda: f64) -> u64 {
        if lambda <= 0.0 {
            return 0;
        }
        if lambda < 30.0 {
            let l = (-lambda).exp();
            let mut k = 0u64;
            let mut p = 1.0;
            loop {
                p *= self.f64();
                if p <= l {
                    return k;
                }
                k += 1;
            }
        }
        let x = lambda + lambda.sqrt() * self.normal();
        if x < 0.0 { 0 } else { x.round() as u64 }
    }

    /// Lower-case hex string of `n` digits.
    pub fn hex(&mut self, n: usize) -> String {
        const H: &[u8; 16] = b"0123456789abcdef";
        (0..n).map(|_| H[self.below(16)] as char).collect()
    }

    /// Upper-case hex string of `n` digits.
    pub fn hex_upper(&mut self, n: usize) -> String {
        self.hex(n).to_uppercase()
    }

    /// Random string from an alphabet.
    pub fn alnum(&mut self, n: usize, alphabet: &[u8]) -> String {
        (0..n)
            .map(|_| alphabet[self.below(alphabet.len())] as char)
            .collect()
    }

    /// A version-4 UUID.
    pub fn uuid(&mut self) -> String {
        let a = self.hex(8);
        let b = self.hex(4);
        let c = self.hex(3);
        let d = ["8", "9", "a", "b"][self.below(4)];
        let e = self.hex(3);
        let f = self.hex(12);
        format!("{a}-{b}-4{c}-{d}{e}-{f}")
    }
}
