"""The folds of the two evaluation protocols, over a group of targets' original samples:
the leakage-free protocol holds out whole syntheses (a sample with its replicates and the
rows of its run or batch) and re-augments inside every fold; the paper's augments all
originals once and splits the augmented rows (:mod:`~nrstudio.core.modeling.evaluation`
runs the models on them)."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

import numpy as np

from nrstudio.core.modeling.augment import SmoteRegSettings, smote_reg_arrays
from nrstudio.core.modeling.replicates import condition_units
from nrstudio.core.modeling.run_settings import EvaluationSettings


@dataclass
class FoldSet:
    """One fold of a protocol, in terms of the training originals (0..n-1).

    x, y: the fold's network training rows (originals and synthetic; (m, c) conditions,
    (m, t));
    sources: (m, 2) the original rows each training row comes from (an original: itself
    twice; a synthetic row: its two parents); test_x/test_y: held-out rows; test_source:
    original index of a held-out original, -1 for a held-out synthetic row."""

    x: np.ndarray
    y: np.ndarray
    sources: np.ndarray
    test_x: np.ndarray
    test_y: np.ndarray
    test_source: np.ndarray
    train_originals: np.ndarray  # indices of the originals the baselines may train on


def augmented_rows(x: np.ndarray, y: np.ndarray, rows: np.ndarray, settings: SmoteRegSettings,
                   categorical: list[int] | tuple[int, ...] = ()
                   ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Originals ``rows`` plus their SMOTE-REG rows: x, y and sources (indices into x)."""
    syn = smote_reg_arrays(x[rows], y[rows], settings, categorical=categorical)
    xa = np.vstack([x[rows], syn.x])
    ya = np.vstack([y[rows], syn.y])
    src = np.vstack([np.column_stack([rows, rows]), rows[syn.parents]])
    return xa, ya, src


def honest_folds(x: np.ndarray, y: np.ndarray, settings: EvaluationSettings,
                 categorical: list[int] | tuple[int, ...] = (),
                 augment: bool = True, units: np.ndarray | None = None) -> list[FoldSet]:
    """Leakage-free folds: hold out originals, every replicate of a condition together
    (:mod:`~nrstudio.core.modeling.replicates`); augment only the fold's training originals
    (``augment`` False: the same folds without synthetic rows, all the baselines need).
    Leave-one-condition-out up to ``settings.loo_max`` conditions, else K-fold over them.
    ``units``: (n,) the synthesis of each row when it is more than its conditions (a run or
    batch label: :meth:`TrainingData.units`)."""
    n = len(x)
    units = condition_units(x) if units is None else units
    n_units = int(units.max()) + 1 if n else 0
    rows_of = np.split(np.argsort(units, kind="stable"),
                       np.cumsum(np.bincount(units, minlength=n_units))[:-1])
    if n_units <= settings.loo_max:
        groups = rows_of
    else:
        perm = np.random.default_rng(settings.seed).permutation(n_units)
        groups = [np.concatenate([rows_of[u] for u in chunk])
                  for chunk in np.array_split(perm, min(settings.folds, n_units))]
    folds = []
    for k, test in enumerate(groups):
        train = np.setdiff1d(np.arange(n), test)
        if augment:
            aug = dataclasses.replace(settings.augment,
                                      seed=settings.augment.seed + 7919 * (k + 1))
            xa, ya, src = augmented_rows(x, y, train, aug, categorical)
        else:
            xa, ya, src = x[train], y[train], np.column_stack([train, train])
        folds.append(FoldSet(xa, ya, src, x[test], y[test], test, train))
    return folds


def paper_folds(x: np.ndarray, y: np.ndarray, settings: EvaluationSettings,
                categorical: list[int] | tuple[int, ...] = ()) -> list[FoldSet]:
    """The paper's protocol: augment all originals once, shuffle, K contiguous folds."""
    n = len(x)
    xa, ya, src = augmented_rows(x, y, np.arange(n), settings.augment, categorical)
    is_orig = np.arange(len(xa)) < n
    perm = np.random.default_rng(settings.seed).permutation(len(xa))
    folds = []
    for test in np.array_split(perm, settings.folds):
        train = np.setdiff1d(perm, test)
        test_source = np.where(is_orig[test], src[test, 0], -1)
        train_orig = np.flatnonzero(is_orig[train])
        folds.append(FoldSet(xa[train], ya[train], src[train], xa[test], ya[test], test_source,
                             src[train[train_orig], 0]))
    return folds
