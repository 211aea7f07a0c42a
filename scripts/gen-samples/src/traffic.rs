//! Shared pieces of synthetic traffic: arrival processes, client addresses, user agents.

use crate::rng::Rng;
use crate::time::{MIN, SEC, Us};

/// A piecewise-linear curve over time: (instant, value) points, flat outside them.
#[derive(Clone, Debug)]
pub struct Curve(pub Vec<(Us, f64)>);

impl Curve {
    pub fn at(&self, t: Us) -> f64 {
        let p = &self.0;
        if p.is_empty() {
            return 0.0;
        }
        if t <= p[0].0 {
            return p[0].1;
        }
        for w in p.windows(2) {
            if t < w[1].0 {
                let f = (t - w[0].0) as f64 / (w[1].0 - w[0].0) as f64;
                return w[0].1 + f * (w[1].1 - w[0].1);
            }
        }
        p[p.len() - 1].1
    }
}

/// Smooth multiplicative noise: an AR(1) process in log space, one value per minute.
pub struct Wobble {
    start: Us,
    vals: Vec<f64>,
}

impl Wobble {
    pub fn new(rng: &mut Rng, start: Us, end: Us, sigma: f64, keep: f64) -> Wobble {
        let n = ((end - start) / MIN + 2) as usize;
        let mut x = 0.0;
        let mut vals = Vec::with_capacity(n);
        for _ in 0..n {
            x = keep * x + (1.0 - keep * keep).sqrt() * sigma * rng.normal();
            vals.push(x.exp());
        }
        Wobble { start, vals }
    }
    pub fn at(&self, t: Us) -> f64 {
        let i = ((t - self.start).max(0) / MIN) as usize;
        self.vals[i.min(self.vals.len() - 1)]
    }
}

/// Poisson arrivals between `from` and `to` with a rate given per minute (non-homogeneous:
/// the rate is evaluated once per second).
pub fn arrivals(rng: &mut Rng, from: Us, to: Us, per_min: impl Fn(Us) -> f64) -> Vec<Us> {
    let mut out = Vec::new();
    let mut t = from;
    while t < to {
        let lam = per_min(t).max(0.0) / 60.0;
        let n = rng.poisson(lam);
        let mut batch: Vec<Us> = (0..n).map(|_| t + rng.range(0, SEC)).collect();
        batch.sort_unstable();
        out.extend(batch.into_iter().filter(|x| *x < to));
        t += SEC;
    }
    out
}

/// Addresses from the documentation ranges (RFC 5737), so no real host is named.
pub fn doc_ip(i: usize) -> String {
    let nets = ["192.0.2", "198.51.100", "203.0.113"];
    let net = nets[i % 3];
    format!("{net}.{}", 1 + (i / 3) % 254)
}

pub const UA_DESKTOP: &[(&str, f64)] = &[
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36",
        40.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36 Edg/113.0.1774.57",
        30.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/112.0.0.0 Safari/537.36",
        8.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:113.0) Gecko/20100101 Firefox/113.0",
        5.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 Safari/605.1.15",
        6.0,
    ),
    (
        "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/113.0.0.0 Safari/537.36",
        6.0,
    ),
    (
        "Mozilla/5.0 (iPhone; CPU iPhone OS 16_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/16.5 Mobile/15E148 Safari/604.1",
        3.0,
    ),
    (
        "Mozilla/5.0 (Windows NT 10.0; WOW64; Trident/7.0; rv:11.0) like Gecko",
        2.0,
    ),
];

pub const UA_BOTS: &[&str] = &[
    "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
    "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)",
    "Mozilla/5.0 (compatible; AhrefsBot/7.0; +http://ahrefs.com/robot/)",
    "Mozilla/5.0 (compatible; SemrushBot/7~bl; +http://www.semrush.com/bot.html)",
];

/// A stable pool of client addresses with skewed popularity (corporate NAT gateways).
pub struct IpPool {
    ips: Vec<String>,
    cum: Vec<f64>,
}

impl IpPool {
    pub fn new(rng: &mut Rng, n: usize, offset: usize) -> IpPool {
        let ips = (0..n).map(|i| doc_ip(i + offset)).collect();
        let mut acc = 0.0;
        let cum = (0..n)
            .map(|_| {
                acc += rng.exp(1.0).powf(2.0) + 0.05;
                acc
            })
            .collect();
        IpPool { ips, cum }
    }
    pub fn draw(&self, rng: &mut Rng) -> (usize, &str) {
        let x = rng.f64() * self.cum[self.cum.len() - 1];
        let i = self
            .cum
            .partition_point(|c| *c <= x)
            .min(self.ips.len() - 1);
        (i, &self.ips[i])
    }
    pub fn get(&self, i: usize) -> &str {
        &self.ips[i % self.ips.len()]
    }
}

/// Format seconds the way nginx prints `$request_time` (milliseconds resolution).
pub fn secs3(us: Us) -> String {
    let ms = (us + 500) / 1000;
    format!("{}.{:03}", ms / 1000, ms % 1000)
}
