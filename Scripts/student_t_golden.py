#!/usr/bin/env python3
"""Golden values for Tests/ReportTests/StatsTests.swift (scipy 1.17.1):

1. Student-t quantiles t.ppf(p, df) for integer and fractional (Welch) degrees of freedom.
2. 95% intervals on the small fixtures of the tests: the mean over seeds (one-sample t),
   the paired difference (scipy.stats.ttest_rel) and the unpaired Welch difference
   (scipy.stats.ttest_ind(equal_var=False)), with their degrees of freedom.

Run: python3 Scripts/student_t_golden.py   (prints Swift literals to paste into the test)."""
import warnings
import numpy as np
from scipy import stats

warnings.simplefilter("ignore")   # scipy warns on the zero-spread paired fixture; its interval is exact
f = float

print("// t.ppf(p, df)")
for p, df in [(0.975, 1), (0.975, 2), (0.975, 3), (0.975, 4), (0.975, 5), (0.975, 9), (0.975, 30),
              (0.975, 1000), (0.975, 1.3), (0.975, 2.5), (0.975, 7.7), (0.95, 3), (0.995, 2), (0.6, 4)]:
    print(f"({p}, {df}, {f(stats.t.ppf(p, df))!r}),")

def one_sample(xs):
    x = np.array(xs, dtype=float)
    ci = stats.ttest_1samp(x, 0.0).confidence_interval(0.95)
    print(f"// seeds {xs}: mean {f(x.mean())!r} std {f(x.std(ddof=1))!r} ci ({f(ci.low)!r}, {f(ci.high)!r})")

def paired(a, b):
    r = stats.ttest_rel(a, b)
    ci = r.confidence_interval(0.95)
    d = np.array(a, dtype=float) - np.array(b, dtype=float)
    print(f"// paired {a} - {b}: mean {f(d.mean())!r} std {f(d.std(ddof=1))!r} df {f(r.df)!r} ci ({f(ci.low)!r}, {f(ci.high)!r})")

def welch(a, b):
    r = stats.ttest_ind(a, b, equal_var=False)
    ci = r.confidence_interval(0.95)
    sa, sb = np.std(a, ddof=1), np.std(b, ddof=1)
    print(f"// welch {a} - {b}: mean {f(np.mean(a) - np.mean(b))!r} std(single-seed diff) {f(np.hypot(sa, sb))!r} "
          f"df {f(r.df)!r} ci ({f(ci.low)!r}, {f(ci.high)!r})")

one_sample([40, 44])
one_sample([39, 47])
one_sample([10, 12, 17])
paired([40, 44], [30, 34])
paired([39, 47], [30, 34])
paired([12, 15, 11], [10, 12, 11])
welch([12, 15, 11], [10, 12])
welch([40, 44], [39, 47])
welch([26, 27, 31], [20, 21])
