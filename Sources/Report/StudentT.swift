// Quantiles of Student's t distribution, for the report's 95% confidence intervals. Degrees of
// freedom may be fractional (Welch–Satterthwaite). The t CDF is written through the regularized
// incomplete beta function I_x(ν/2, ½) (continued fraction, modified Lentz), and the quantile is
// found by bisection on x, which I_x increases with. Checked against scipy's t.ppf
// (Scripts/student_t_golden.py) to ≤ 1e-10 relative.
import Foundation

public enum StudentT {
    /// The p-quantile of t with `df` degrees of freedom (df > 0, 0 < p < 1): t.ppf(p, df).
    public static func quantile(_ p: Double, df: Double) -> Double {
        precondition(df > 0 && p > 0 && p < 1, "StudentT.quantile: need df > 0 and 0 < p < 1, got p \(p), df \(df)")
        if p == 0.5 { return 0 }
        if p < 0.5 { return -quantile(1 - p, df: df) }
        // P(T > t) = ½·I_x(ν/2, ½) with x = ν/(ν + t²): solve I_x = 2(1 − p) for x, then t from x.
        let target = 2 * (1 - p)
        var lo = 0.0, hi = 1.0
        for _ in 0..<200 {
            let mid = 0.5 * (lo + hi)
            if mid == lo || mid == hi { break }
            if regularizedBeta(mid, a: df / 2, b: 0.5) < target { lo = mid } else { hi = mid }
        }
        let x = 0.5 * (lo + hi)
        return (df * (1 - x) / x).squareRoot()
    }

    /// The two-sided 95% quantile t₀.₉₇₅(df).
    public static func q975(df: Double) -> Double { quantile(0.975, df: df) }

    /// I_x(a, b), the regularized incomplete beta function.
    static func regularizedBeta(_ x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let lnFront = lgamma(a + b) - lgamma(a) - lgamma(b) + a * log(x) + b * log1p(-x)
        let front = exp(lnFront)
        // The continued fraction converges fast for x < (a + 1)/(a + b + 2); use the symmetry otherwise.
        if x < (a + 1) / (a + b + 2) { return front * continuedFraction(x, a: a, b: b) / a }
        return 1 - front * continuedFraction(1 - x, a: b, b: a) / b
    }

    /// The continued fraction of I_x(a, b) (Numerical Recipes' betacf, modified Lentz).
    static func continuedFraction(_ x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300, eps = 1e-16
        let qab = a + b, qap = a + 1, qam = a - 1
        var c = 1.0, d = 1 - qab * x / qap
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...400 {
            let m = Double(m), m2 = 2 * m
            var aa = m * (b - m) * x / ((qam + m2) * (a + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d; h *= d * c
            aa = -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))
            d = 1 + aa * d; if abs(d) < tiny { d = tiny }
            c = 1 + aa / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let del = d * c
            h *= del
            if abs(del - 1) < eps { break }
        }
        return h
    }
}
