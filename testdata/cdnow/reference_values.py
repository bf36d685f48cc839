"""Independent reference values for src/predict/tests.rs.

A transcription of lifetimes 0.11.3's likelihoods and conditional
expectations (BetaGeoFitter, ModifiedBetaGeoFitter, ParetoNBDFitter,
GammaGammaFitter) into numpy/scipy, maximised with scipy.optimize
(Nelder-Mead restarted with xatol = fatol = 1e-12, then BFGS), on the CDNOW
sample in testdata/cdnow. Nothing here shares code with the Rust module.

    python3 -m venv /tmp/pyref
    /tmp/pyref/bin/pip install scipy numpy pandas
    /tmp/pyref/bin/python testdata/cdnow/reference_values.py

(scipy 1.17.1, numpy 2.4.6, pandas 3.1.1 when the tests' values were taken; about
seven minutes, mostly Pareto/NBD.)
"""
import os
import numpy as np, pandas as pd
from scipy.special import gammaln, hyp2f1, betaln, expit
from scipy.optimize import minimize
np.set_printoptions(precision=12)
HERE = os.path.dirname(os.path.abspath(__file__))
CDNOW = os.path.join(HERE, '..', '..', 'testdata', 'cdnow')
d = pd.read_csv(os.path.join(CDNOW, 'cdnow_customers_summary.csv'))
x = d.frequency.values.astype(float); tx = d.recency.values; T = d['T'].values
m = pd.read_csv(os.path.join(CDNOW, 'cdnow_customers_summary_with_transactions.csv'))
m = m[m.x > 0]

def bg_ll(p, x=x, tx=tx, T=T):
    r, al, a, b = p
    A1 = gammaln(r + x) - gammaln(r) + r*np.log(al)
    A2 = gammaln(a+b) + gammaln(b+x) - gammaln(b) - gammaln(a+b+x)
    A3 = -(r+x)*np.log(al+T)
    A4 = np.log(a) - np.log(b+np.maximum(x,1)-1) - (r+x)*np.log(tx+al)
    mx = np.maximum(A3, A4)
    return A1 + A2 + np.log(np.exp(A3-mx) + np.exp(A4-mx)*(x>0)) + mx

def mbg_ll(p, x=x, tx=tx, T=T):
    r, al, a, b = p
    A1 = gammaln(r + x) - gammaln(r) + r*np.log(al)
    A2 = gammaln(a+b) + gammaln(b+x+1) - gammaln(b) - gammaln(a+b+x+1)
    A3 = -(r+x)*np.log(al+T)
    A4 = np.log(a) - np.log(b+x) + (r+x)*(np.log(al+T)-np.log(al+tx))
    return A1 + A2 + A3 + np.logaddexp(A4, 0)

def log_A0(p, x, tx, T):
    r, al, s, be = p
    if al < be:
        mn, mxab, t = al, be, r + x
    else:
        mn, mxab, t = be, al, s + 1
    ab = mxab - mn
    rsf = r + s + x
    p1 = hyp2f1(rsf, t, rsf+1, ab/(mxab+tx)); q1 = mxab + tx
    p2 = hyp2f1(rsf, t, rsf+1, ab/(mxab+T)); q2 = mxab + T
    from scipy.special import logsumexp
    return logsumexp([np.log(p1)+rsf*np.log(q2), np.log(p2)+rsf*np.log(q1)], axis=0, b=[np.ones_like(x), -np.ones_like(x)]) - rsf*np.log(q1*q2)

def pnbd_ll(p, x=x, tx=tx, T=T):
    r, al, s, be = p
    A1 = gammaln(r+x) - gammaln(r) + r*np.log(al) + s*np.log(be)
    la0 = log_A0(p, x, tx, T)
    return A1 + np.logaddexp(-(r+x)*np.log(al+T) - s*np.log(be+T), np.log(s) + la0 - np.log(r+s+x))

def gg_ll(p, x=m.x.values.astype(float), z=m.zbar.values):
    pp, q, v = p
    return (gammaln(pp*x+q) - gammaln(pp*x) - gammaln(q) + q*np.log(v) + (pp*x-1)*np.log(z) + pp*x*np.log(x) - (pp*x+q)*np.log(x*z+v))

def fit(f, k):
    obj = lambda lp: -f(np.exp(lp)).sum()
    best = None
    for start in [np.zeros(k), np.log(np.ones(k)*0.5)]:
        res = minimize(obj, start, method='Nelder-Mead', options=dict(xatol=1e-12, fatol=1e-12, maxiter=200000, maxfev=200000))
        for _ in range(5):
            res = minimize(obj, res.x, method='Nelder-Mead', options=dict(xatol=1e-12, fatol=1e-12, maxiter=200000, maxfev=200000))
        res2 = minimize(obj, res.x, method='BFGS', options=dict(gtol=1e-10))
        if res2.fun < res.fun: res = res2
        if best is None or res.fun < best.fun: best = res
    return np.exp(best.x), -best.fun

out = {}
for name, f, k in [('bg', bg_ll, 4), ('mbg', mbg_ll, 4), ('pnbd', pnbd_ll, 4), ('gg', gg_ll, 3)]:
    p, ll = fit(f, k)
    out[name] = p
    print(name, repr(list(p)), 'LL', repr(ll))

def bg_cond(p, t, x, tx, T):
    r, al, a, b = p
    _a = r+x; _b = b+x; _c = a+b+x-1; _z = t/(al+T+t)
    h = hyp2f1(_a, _b, _c, _z)
    num = (a+b+x-1)/(a-1) * (1 - h*((al+T)/(al+t+T))**(r+x))
    den = 1 + (x>0)*(a/(b+max(x,1)-1))*((al+T)/(al+tx))**(r+x)
    return num/den
def bg_palive(p, x, tx, T):
    r, al, a, b = p
    if x == 0: return 1.0
    return 1/(1 + a/(b+x-1)*((al+T)/(al+tx))**(r+x))
def mbg_cond(p, t, x, tx, T):
    r, al, a, b = p
    h = hyp2f1(r+x, b+x+1, a+b+x, t/(al+T+t))
    num = (a+b+x)/(a-1)*(1 - h*((al+T)/(al+t+T))**(r+x))
    return num/(1 + (a/(b+x))*((al+T)/(al+tx))**(r+x))
def mbg_palive(p, x, tx, T):
    r, al, a, b = p
    return 1/(1 + (a/(b+x))*((al+T)/(al+tx))**(r+x))
def pnbd_palive(p, x, tx, T):
    r, al, s, be = p
    A0 = log_A0(p, np.array([x*1.0]), np.array([tx]), np.array([T]))[0]
    return 1/(1+np.exp(np.log(s)-np.log(r+s+x)+(r+x)*np.log(al+T)+s*np.log(be+T)+A0))
def pnbd_cond(p, t, x, tx, T):
    r, al, s, be = p
    pa = pnbd_palive(p, x, tx, T)
    return pa*(r+x)*(be+T)/((al+T)*(s-1))*(1-((be+T)/(be+T+t))**(s-1))
def disc(cond, p, h, rate, x, tx, T):
    yr = 365/7
    tot = 0; prev = 0; k = 1
    steps = []
    while k < h - 1e-12:
        steps.append(float(k)); k += 1
    steps.append(h)
    for tk in steps:
        e = cond(p, tk, x, tx, T)
        tot += (e - prev)/(1+rate)**(tk/yr); prev = e
    return tot

cust = [(2, 30.43, 38.86), (0, 0.0, 38.86), (1, 1.71, 38.86), (7, 29.43, 38.86), (26, 30.86, 31.0), (0, 0.0, 3.0), (50, 20.0, 60.0)]
for name, cond, pal in [('bg', bg_cond, bg_palive), ('mbg', mbg_cond, mbg_palive), ('pnbd', pnbd_cond, pnbd_palive)]:
    p = out[name]
    for (cx, ctx, cT) in cust:
        print(name, (cx, ctx, cT), 'palive', repr(pal(p, cx, ctx, cT)), 'E39', repr(cond(p, 39.0, cx, ctx, cT)), 'E52', repr(cond(p, 52.0, cx, ctx, cT)),
              'D52.5@0.1', repr(disc(cond, p, 52.5, 0.1, cx, ctx, cT)))
# published-parameter evaluations
pub_bg = [0.243, 4.414, 0.793, 2.426]
print('bg pub LL', bg_ll(pub_bg).sum(), 'E39 cust', bg_cond(pub_bg, 39, 2, 30.43, 38.86))
pub_p = [0.5534, 10.5802, 0.6061, 11.6562]
print('pnbd btyd palive', pnbd_palive(pub_p, 26, 30.86, 31.0), 'LL', pnbd_ll(pub_p).sum())
gp, gq, gv = out['gg']
print('gg mean expected over 946', np.mean((gp*m.x/(gp*m.x+gq-1))*m.zbar + (1 - gp*m.x/(gp*m.x+gq-1))*gv*gp/(gq-1)), 'actual mean', m.zbar.mean(), 'pop mean', gp*gv/(gq-1))
print('gg first rows', [( r.x, r.zbar, (gp*r.x/(gp*r.x+gq-1))*r.zbar + (1 - gp*r.x/(gp*r.x+gq-1))*gv*gp/(gq-1)) for r in m.head(5).itertuples()])
print('corr', np.corrcoef(m.x, m.zbar)[0,1])
# 2F1 values
for (a,b,c,z) in [(1,1,2,0.5),(0.5,0.7,1.3,0.9),(2.669,4.426,4.219,0.5),(0.243+30,2.426+30,0.793+2.426+29,0.3),(3.2,-0.207,5.1,0.95),(1.5,2.5,3.5,-0.6),(10.3,1.6,11.3,0.99)]:
    print('hyp2f1', (a,b,c,z), repr(hyp2f1(a,b,c,z)))
