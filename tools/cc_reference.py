#!/usr/bin/env python3
"""Reference model of the congestion control per CMT variant (the formulas table of
docs/cc.md) that prints the golden vectors of tests/unit/test_cc_variants.c as C
initialisers.

It is written from that table with exact rationals (fractions.Fraction), not from the
C code. The rounding rules are those of docs/cc.md:
  - increases are rounded up (ceil), as the table writes them;
  - a decreased window (cwnd_i - cwnd_T/2, cwnd_i - max(...)) is rounded down, so that one
    path gives RFC 9260's cwnd/2 rounded down;
  - RPv2 and MPTCP-like use b_j = cwnd_j/srtt_j and cwnd_j/srtt_j^2 rounded down to
    multiples of 2^-16 / m and 2^-16 / m^2 (m = the smallest srtt); everything after that
    is exact. For each vector the model also computes the value with the exact b_j and
    checks that the two differ by at most one byte (the tolerance docs/cc.md allows
    against the exact real-valued formulas); vectors where they differ say so in a
    comment.
  - srtt 0 on any path (not measured yet): every path counts as having the same RTT;
    srtt above 2^32-1 us counts as 2^32-1 us.

Usage:
  tools/cc_reference.py                 print the block of vectors
  tools/cc_reference.py --check FILE    exit 1 unless FILE holds exactly this block
  tools/cc_reference.py --write FILE    replace the block in FILE
"""

import math
import sys
from dataclasses import dataclass, replace
from fractions import Fraction as Q

U32 = 2**32 - 1
SRTT_MAX = 2**32 - 1
FRAC_BITS = 16
BEGIN = "/* BEGIN cc_reference.py vectors */"
END = "/* END cc_reference.py vectors */"


@dataclass(frozen=True)
class Path:
    cwnd: int = 0
    ssthresh: int = 0
    pba: int = 0
    mtu: int = 1480
    srtt: int = 0  # microseconds, 0 = not measured
    fr: int = 0  # in fast recovery
    lost: int = 0  # a fast retransmit or timeout cut the window since init


def ceil(x):
    return math.ceil(Q(x))


def floor(x):
    return math.floor(Q(x))


def sat(x):
    return min(x, U32)


def initial_cwnd(mtu):
    # RFC 9260 s7.2.1
    return min(4 * mtu, max(2 * mtu, 4380))


# ---- the terms of the formulas (docs/cc.md) ---------------------------------------------

def srtts(paths):
    """Per-path RTT after the srtt rules: all equal when one is unknown, clamped."""
    if any(p.srtt == 0 for p in paths):
        return [1] * len(paths)
    return [min(p.srtt, SRTT_MAX) for p in paths]


def bandwidths(paths, exact):
    """b_j = cwnd_j / srtt_j, exact or rounded down to a multiple of 2^-16 / m."""
    s = srtts(paths)
    m = min(s)
    if exact:
        return [Q(p.cwnd, sj) for p, sj in zip(paths, s)]
    unit = Q(1, 2**FRAC_BITS * m)
    return [floor(Q(p.cwnd, sj) / unit) * unit for p, sj in zip(paths, s)]


def max_cwnd_over_srtt2(paths, exact):
    """max_j cwnd_j / srtt_j^2, exact or each rounded down to a multiple of 2^-16 / m^2."""
    s = srtts(paths)
    m = min(s)
    vals = [Q(p.cwnd, sj * sj) for p, sj in zip(paths, s)]
    if exact:
        return max(vals)
    unit = Q(1, 2**FRAC_BITS * m * m)
    return max(floor(v / unit) * unit for v in vals)


class Standard:
    """0 off / 1 CMT: RFC 9260 s7.2 on each path."""
    c_name = "CC_V_STD"
    split_init = False

    def ss_inc(self, paths, i, a, exact):
        return a

    def ca_inc(self, paths, i, exact):
        return paths[i].mtu

    def loss_ssthresh(self, paths, i, exact):
        p = paths[i]
        return max(p.cwnd // 2, 4 * p.mtu)


class RPv1(Standard):
    """2 RPv1: shares by ssthresh_i / ssthresh_T."""
    c_name = "CC_V_RPV1"
    split_init = True

    def share(self, paths, i):
        total = sum(p.ssthresh for p in paths)
        return Q(paths[i].ssthresh, total) if total else Q(1)

    def ss_inc(self, paths, i, a, exact):
        return ceil(a * self.share(paths, i))

    def ca_inc(self, paths, i, exact):
        return ceil(paths[i].mtu * self.share(paths, i))

    def loss_ssthresh(self, paths, i, exact):
        p = paths[i]
        cwnd_t = sum(q.cwnd for q in paths)
        return max(floor(p.cwnd - Q(cwnd_t, 2)), ceil(4 * p.mtu * self.share(paths, i)),
                   p.mtu)


class RPv2(Standard):
    """3 RPv2: shares by bandwidth b_i / b_T."""
    c_name = "CC_V_RPV2"
    split_init = True

    def share(self, paths, i, exact):
        b = bandwidths(paths, exact)
        return b[i] / sum(b) if sum(b) else Q(1)

    def ss_inc(self, paths, i, a, exact):
        return ceil(a * self.share(paths, i, exact))

    def ca_inc(self, paths, i, exact):
        return ceil(paths[i].mtu * self.share(paths, i, exact))

    def loss_ssthresh(self, paths, i, exact):
        p = paths[i]
        b_t = sum(bandwidths(paths, exact))
        srtt_i = srtts(paths)[i]
        return max(floor(p.cwnd - max(Q(p.cwnd, 2), srtt_i * b_t / 2)), p.mtu)


class Mptcp(Standard):
    """4 MPTCP-like: RFC 6356 LIA increases in congestion avoidance, otherwise standard."""
    c_name = "CC_V_MPTCP"

    def alpha(self, paths, exact):
        cwnd_t = sum(p.cwnd for p in paths)
        b_t = sum(bandwidths(paths, exact))
        return cwnd_t * max_cwnd_over_srtt2(paths, exact) / (b_t * b_t)

    def ss_inc(self, paths, i, a, exact):
        # A path's first slow start is the standard one (RFC 6356 s3); after a loss slow
        # start is coupled as congestion avoidance is.
        if not paths[i].lost:
            return a
        cwnd_t = sum(p.cwnd for p in paths)
        if sum(bandwidths(paths, exact)) == 0:
            return a
        return min(ceil(self.alpha(paths, exact) * a * paths[i].mtu / cwnd_t), a)

    def ca_inc(self, paths, i, exact):
        p = paths[i]
        cwnd_t = sum(q.cwnd for q in paths)
        if sum(bandwidths(paths, exact)) == 0:
            return p.mtu
        return min(ceil(self.alpha(paths, exact) * p.mtu * p.cwnd / cwnd_t), p.mtu)


VARIANTS = [Standard(), RPv1(), RPv2(), Mptcp()]


# ---- events (RFC 9260 s7.2) --------------------------------------------------------------

def ev_init(v, paths, i, rwnd, exact):
    p = paths[i]
    cwnd = initial_cwnd(p.mtu)
    if v.split_init:
        cwnd = max(cwnd // len(paths), p.mtu)
    return replace(p, cwnd=cwnd, ssthresh=rwnd if rwnd else U32, pba=0, lost=0)


def ev_ack(v, paths, i, acked, cum, full, exact):
    p = paths[i]
    if p.cwnd <= p.ssthresh:  # slow start
        if cum and full and not p.fr:
            return replace(p, cwnd=sat(p.cwnd + v.ss_inc(paths, i, min(acked, p.mtu), exact)))
        return p
    pba = p.pba + acked  # congestion avoidance
    cwnd = p.cwnd
    if pba >= p.cwnd and full:
        pba -= p.cwnd
        cwnd = sat(p.cwnd + v.ca_inc(paths, i, exact))
    elif pba > p.cwnd:
        pba = p.cwnd
    return replace(p, cwnd=cwnd, pba=min(pba, U32))


def ev_fast_rtx(v, paths, i, exact):
    s = sat(v.loss_ssthresh(paths, i, exact))
    return replace(paths[i], ssthresh=s, cwnd=s, pba=0, lost=1)


def ev_timeout(v, paths, i, exact):
    s = sat(v.loss_ssthresh(paths, i, exact))
    return replace(paths[i], ssthresh=s, cwnd=paths[i].mtu, pba=0, lost=1)


def ev_idle(v, paths, i, exact):
    p = paths[i]
    if p.cwnd > 4 * p.mtu:
        return replace(p, cwnd=max(p.cwnd // 2, 4 * p.mtu))
    return p


@dataclass
class Vec:
    name: str
    variant: Standard
    event: str  # EV_INIT, EV_ACK, EV_FR, EV_T3, EV_IDLE
    paths: list
    i: int
    arg: int = 0  # acked, or the peer's rwnd for EV_INIT
    cum: int = 1
    full: int = 1

    def run(self, exact):
        v, ps, i = self.variant, self.paths, self.i
        if self.event == "EV_INIT":
            return ev_init(v, ps, i, self.arg, exact)
        if self.event == "EV_ACK":
            return ev_ack(v, ps, i, self.arg, self.cum, self.full, exact)
        if self.event == "EV_FR":
            return ev_fast_rtx(v, ps, i, exact)
        if self.event == "EV_T3":
            return ev_timeout(v, ps, i, exact)
        return ev_idle(v, ps, i, exact)


# ---- the cases -----------------------------------------------------------------------------

def P(cwnd, ssthresh, mtu, srtt, pba=0, fr=0, lost=0):
    return Path(cwnd=cwnd, ssthresh=ssthresh, pba=pba, mtu=mtu, srtt=srtt, fr=fr, lost=lost)


# Asymmetric path sets: different MTU, srtt, cwnd and ssthresh.
SETS = {
    "1p": [P(14800, 65535, 1480, 40000)],
    "2p": [P(29600, 40000, 1480, 20000), P(11616, 8000, 1452, 95000)],
    "4p": [P(44400, 50000, 1480, 10000), P(8712, 30000, 1452, 45000),
           P(90000, 60000, 9000, 150000), P(3600, 2400, 1200, 7000)],
}
# Special states: an unmeasured path, RTTs of 1 us and 10 s, windows near 2^31, a window
# at 2^32-1 (saturation).
SPECIAL = {
    "2p-unmeasured": [P(29600, 40000, 1480, 20000), P(11616, 8000, 1452, 0)],
    "2p-1us-10s": [P(2**31 - 1000, 2**31, 1480, 1), P(2**31 - 5, 2**30, 9000, 10_000_000)],
    "4p-near-2^31": [P(2**31 - 7, 2**31 + 3, 1480, 1), P(2**31 - 1, 2**30, 1452, 10_000_000),
                     P(2**31, 2**31 - 1, 9000, 250_000), P(2**31 - 12345, 2**29, 1200, 3)],
    "2p-10s": [P(500000, 400000, 1480, 10_000_000), P(300000, 600000, 1452, 9_999_999)],
    "2p-saturated": [P(U32, U32, 1480, 30000), P(U32 - 1, U32, 1452, 60000)],
    # b_1 = 10000/3000 is not a multiple of 2^-16/m: the rounded b_j give one byte more
    # or less than the exact ones here, which pins the rounding rule.
    "2p-rounding": [P(30000, 20000, 1500, 1000), P(10000, 40000, 1480, 3000)],
    # RPv2's loss here is one byte lower with 16 fractional bits than with 12.
    "2p-rounding-bits": [P(17000, 8500, 1452, 6252), P(34000, 17000, 1480, 31793)],
    # cwnd_T odd: RPv1 rounds cwnd_i - cwnd_T/2 down.
    "2p-odd": [P(30001, 20000, 1480, 20000), P(10000, 40000, 1452, 30000)],
    # srtt beyond 2^32-1 us counts as 2^32-1 us.
    "2p-srtt>2^32": [P(20000, 10000, 1480, 2**33), P(50000, 60000, 1452, 2**32 + 5)],
    "3p-srtt>2^32": [P(20000, 10000, 1480, 2**40), P(50000, 60000, 1452, 2**32 - 1),
                     P(40000, 30000, 1452, 2**31)],
}


def in_ss(paths, i):
    """The set with path i in slow start (ssthresh raised above its cwnd if needed)."""
    p = paths[i]
    ps = list(paths)
    ps[i] = replace(p, ssthresh=max(p.ssthresh, p.cwnd), pba=0)
    return ps


def after_loss(paths, i):
    """The set with path i marked as having had a loss."""
    ps = list(paths)
    ps[i] = replace(ps[i], lost=1)
    return ps


def in_ca(paths, i, pba):
    """The set with path i in congestion avoidance (ssthresh below cwnd) and the given pba."""
    p = paths[i]
    ps = list(paths)
    ss = p.ssthresh if p.ssthresh < p.cwnd else p.cwnd // 2
    ps[i] = replace(p, ssthresh=ss, pba=pba)
    return ps


def cases():
    out = []
    for v in VARIANTS:
        vn = v.c_name[5:].lower()
        for sname, base in list(SETS.items()) + list(SPECIAL.items()):
            if sname == "2p-saturated" and type(v) is Standard:
                continue  # cc_standard does not saturate at 2^32 (only the coupled ones do)
            n = len(base)
            special = sname in SPECIAL
            for i in ((0, n - 1) if special else range(n)):
                tag = f"{vn} {sname} i={i}"
                mtu = base[i].mtu
                cw = base[i].cwnd

                def add(what, ev, ps, arg=0, cum=1, full=1):
                    out.append(Vec(f"{tag} {what}", v, ev, ps, i, arg, cum, full))

                add("ss acked>mtu", "EV_ACK", in_ss(base, i), 3 * mtu + 17)
                add("ss after a loss acked>mtu", "EV_ACK", after_loss(in_ss(base, i), i),
                    3 * mtu + 17)
                add("ca pba crosses cwnd", "EV_ACK", in_ca(base, i, cw - 500), mtu)
                add("fast rtx", "EV_FR", base)
                add("timeout", "EV_T3", base)
                if special:
                    continue
                add("init", "EV_INIT", base, 131072)
                add("ss acked<mtu", "EV_ACK", in_ss(base, i), mtu - 480)
                add("ca pba below cwnd", "EV_ACK", in_ca(base, i, 100), 1000)
                add("ca pba crosses, acked>cwnd", "EV_ACK", in_ca(base, i, 700), cw + 2000)
                if i == n - 1:
                    add("ss not full", "EV_ACK", in_ss(base, i), mtu, 1, 0)
                    add("ss cum not advanced", "EV_ACK", in_ss(base, i), mtu, 0, 1)
                    fr = list(in_ss(base, i))
                    fr[i] = replace(fr[i], fr=1)
                    add("ss in fast recovery", "EV_ACK", fr, mtu)
                    add("ss after a loss acked<mtu", "EV_ACK", after_loss(in_ss(base, i), i),
                        mtu - 480)
                    add("ca not full, pba capped", "EV_ACK", in_ca(base, i, cw - 10), 4000,
                        1, 0)
                    add("ca gap acks only", "EV_ACK", in_ca(base, i, cw - 10), 10, 0, 1)
                    add("idle", "EV_IDLE", base)
        # The initial window with no advertised window, and split among 2 and 4 paths.
        out.append(Vec(f"{vn} 1p init rwnd 0", v, "EV_INIT", [Path(mtu=9000)], 0, 0))
        for n in (2, 4):
            ps = [Path(mtu=m) for m in (1480, 9000, 1452, 508)[:n]]
            for i in range(n):
                out.append(Vec(f"{vn} {n}p init mtu {ps[i].mtu}", v, "EV_INIT", ps, i, 65535))
    return out


# ---- output --------------------------------------------------------------------------------

def c_path(p):
    return "{%d, %d, %d, %d, %d, %d, %d}" % (p.cwnd, p.ssthresh, p.pba, p.mtu, p.srtt, p.fr,
                                             p.lost)


def block():
    lines = [BEGIN]
    differ = 0
    vecs = cases()
    for vec in vecs:
        got = vec.run(exact=False)
        ref = vec.run(exact=True)
        for a, b in ((got.cwnd, ref.cwnd), (got.ssthresh, ref.ssthresh)):
            assert abs(a - b) <= 1, (vec.name, got, ref)
        # Invariants of every vector: cwnd >= MTU, ssthresh > 0, pba <= U32.
        assert got.cwnd >= got.mtu and got.ssthresh > 0, (vec.name, got)
        note = ""
        if (got.cwnd, got.ssthresh) != (ref.cwnd, ref.ssthresh):
            differ += 1
            note = " /* exact b_j: cwnd %d ssthresh %d */" % (ref.cwnd, ref.ssthresh)
        lines.append('    {"%s", %s, %s, %d, %d, %d, %d, %d,' % (
            vec.name, vec.variant.c_name, vec.event, len(vec.paths), vec.i, vec.arg,
            vec.cum, vec.full))
        paths = "     {%s}," % ", ".join(c_path(p) for p in vec.paths)
        if len(paths) > 96:
            paths = "     {%s}," % ",\n      ".join(c_path(p) for p in vec.paths)
        lines.append(paths)
        lines.append("     %d, %d, %d},%s" % (got.cwnd, got.ssthresh, got.pba, note))
    lines.append(END)
    print(f"cc_reference: {len(vecs)} vectors, {differ} differ by one byte from exact b_j",
          file=sys.stderr)
    return "\n".join(lines) + "\n"


def splice(text, new):
    a = text.index(BEGIN)
    b = text.index(END) + len(END) + 1
    return text[:a] + new + text[b:]


def main(argv):
    new = block()
    if len(argv) == 1:
        sys.stdout.write(new)
        return 0
    if len(argv) == 3 and argv[1] in ("--check", "--write"):
        with open(argv[2]) as f:
            text = f.read()
        updated = splice(text, new)
        if argv[1] == "--write":
            with open(argv[2], "w") as f:
                f.write(updated)
            return 0
        if updated != text:
            print(f"{argv[2]}: vectors differ from tools/cc_reference.py", file=sys.stderr)
            return 1
        return 0
    print(__doc__, file=sys.stderr)
    return 2


if __name__ == "__main__":
    sys.exit(main(sys.argv))
