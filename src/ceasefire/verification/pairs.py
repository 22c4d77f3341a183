"""Candidate pairs by a grid hash, and connected components, in numpy only.

``box_pairs`` finds every pair of points (one of ``a``, one of ``b``) whose coordinates
differ by at most ``size`` on every axis (the Chebyshev ball), by hashing points to cells
of width ``size`` and looking only into the 3^d neighbouring cells: never all pairs.
``components`` labels connected components with hooking and pointer jumping
(Shiloach–Vishkin style), a few vectorised passes instead of a Python union-find.
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt

IntArray = npt.NDArray[np.int64]
FloatArray = npt.NDArray[np.float64]


def _keys(cells: IntArray, dims: IntArray) -> IntArray:
    key = np.zeros(len(cells), dtype=np.int64)
    for axis in range(cells.shape[1]):
        key = key * dims[axis] + cells[:, axis]
    return key


def box_pairs(
    a: FloatArray, b: FloatArray | None, size: float, *, exact: bool = True
) -> tuple[IntArray, IntArray]:
    """Index pairs ``(i, j)`` with ``max|a[i] - b[j]| <= size``; ``b=None``: within ``a``, i < j.

    With ``exact=False`` the pairs of neighbouring cells come unfiltered (a superset, for
    callers that filter them exactly anyway).
    """
    same = b is None
    other = a if b is None else b
    if len(a) == 0 or len(other) == 0:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    origin = np.minimum(a.min(axis=0), other.min(axis=0))
    ca = np.floor((a - origin) / size).astype(np.int64) + 1
    cb = np.floor((other - origin) / size).astype(np.int64) + 1
    dims = np.maximum(ca.max(axis=0), cb.max(axis=0)) + 2
    kb = _keys(cb, dims)
    order = np.argsort(kb, kind="stable")
    sorted_keys = kb[order]
    out_i: list[IntArray] = []
    out_j: list[IntArray] = []
    for offset in itertools.product((-1, 0, 1), repeat=a.shape[1]):
        if same and offset < (0,) * a.shape[1]:
            continue  # the mirrored offset finds the same pairs
        nk = _keys(ca + np.array(offset, dtype=np.int64), dims)
        lo = np.searchsorted(sorted_keys, nk, side="left")
        hi = np.searchsorted(sorted_keys, nk, side="right")
        counts = hi - lo
        total = int(counts.sum())
        if total == 0:
            continue
        i = np.repeat(np.arange(len(a), dtype=np.int64), counts)
        step = np.arange(total, dtype=np.int64) - np.repeat(np.cumsum(counts) - counts, counts)
        j = order[np.repeat(lo, counts) + step]
        keep = (
            np.all(np.abs(a[i] - other[j]) <= size, axis=1) if exact else np.ones(total, dtype=bool)
        )
        if same:
            keep &= i != j
            if offset == (0,) * a.shape[1]:
                keep &= i < j
        out_i.append(i[keep])
        out_j.append(j[keep])
    if not out_i:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty
    i, j = np.concatenate(out_i), np.concatenate(out_j)
    if same:
        i, j = np.minimum(i, j), np.maximum(i, j)
    return i, j


def compress(labels: IntArray) -> IntArray:
    """Point every node at its root."""
    while True:
        nxt = labels[labels]
        if np.array_equal(nxt, labels):
            return labels
        labels = nxt


def union(labels: IntArray, i: IntArray, j: IntArray) -> IntArray:
    """Merge the components of ``labels`` (roots are the smallest node) joined by edges."""
    labels = compress(labels)
    while len(i):
        li, lj = labels[i], labels[j]
        differ = li != lj
        if not differ.any():
            break
        lo = np.minimum(li, lj)[differ]
        hi = np.maximum(li, lj)[differ]
        np.minimum.at(labels, hi, lo)  # hook the larger root under the smaller
        labels = compress(labels)
        i, j = i[differ], j[differ]
    return labels


def components(n: int, i: IntArray, j: IntArray) -> IntArray:
    """Root (smallest node) of each of ``n`` nodes' connected component."""
    return union(np.arange(n, dtype=np.int64), i, j)
