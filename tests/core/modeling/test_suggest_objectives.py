"""Next experiments with text conditions, objectives besides windows, and a list to choose
from, on a known function."""

import numpy as np
import pytest

from nrstudio.core.data.dataset import Column, Dataset, Kind, Role
from nrstudio.core.errors import DataError
from nrstudio.core.modeling.design import DesignSpace, Want
from nrstudio.core.modeling.evaluation import cross_validate
from nrstudio.core.modeling.final_models import FinalModels, fit_tabular_set
from nrstudio.core.modeling.network_settings import NetworkSettings
from nrstudio.core.modeling.run_settings import EvaluationSettings
from nrstudio.core.modeling.suggest import (
    Optimise,
    SuggestSettings,
    candidate_list,
    suggest_experiments,
)

LIGANDS = {"OA": 0.0, "OLA": 15.0, "TOP": 30.0}
COLUMNS = [Column("Sample", Role.SAMPLE_ID), Column("Core (nmol)", Role.INPUT, "nmol"),
           Column("Ligand", Role.INPUT, kind=Kind.CATEGORY),
           Column("Length (nm)", Role.TARGET, "nm"), Column("Yield (%)", Role.TARGET, "%")]


def truth(core: np.ndarray, ligand: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """Length grows with the core and depends on the ligand; the yield peaks at 70 nmol."""
    length = 20 + 0.5 * core + np.array([LIGANDS[g] for g in ligand])
    yield_ = 90 - 0.008 * (core - 70) ** 2
    return length, yield_


def table(core: np.ndarray, ligand: list[str], prefix: str = "s") -> Dataset:
    length, yield_ = truth(core, ligand)
    return Dataset.from_records(COLUMNS, [[f"{prefix}{i}", core[i], ligand[i], length[i],
                                           yield_[i]] for i in range(len(core))])


@pytest.fixture(scope="module")
def models():
    rng = np.random.default_rng(3)
    core = np.round(rng.uniform(0, 100, 36), 1)
    ligand = [("OA", "OLA", "TOP")[i % 3] for i in range(36)]
    ds = table(core, ligand)
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=6, loo_max=1))
    return FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev)


def test_text_conditions_are_suggested_as_levels(models):
    # 75 nm: OA needs 110 nmol (outside the data), TOP 50 nmol; only TOP's levels reach it
    result = suggest_experiments(models, [Want("Length (nm)", 75.0, 1.5)],
                                 settings=SuggestSettings(n=3))
    assert result.suggestions
    ligand = models.inputs.index("Ligand")
    for s in result.suggestions:
        level = models.space.level_text("Ligand", s.conditions[ligand])
        assert level in LIGANDS  # a level, never a code between two levels
    best = result.suggestions[0]
    core = best.conditions[models.inputs.index("Core (nmol)")]
    length, _ = truth(np.array([core]), [models.space.level_text("Ligand",
                                                                 best.conditions[ligand])])
    assert abs(length[0] - 75.0) < 6.0
    # the levels a user allows are the only ones tried
    only_ola = suggest_experiments(models, [Want("Length (nm)", 60.0, 1.5)],
                                   DesignSpace(levels={"Ligand": ["OLA"]}),
                                   SuggestSettings(n=3))
    assert {models.space.level_text("Ligand", s.conditions[ligand])
            for s in only_ola.suggestions} == {"OLA"}


def test_a_target_is_pushed_up_or_down_and_windows_on_others_hold(models):
    core = models.inputs.index("Core (nmol)")
    up = suggest_experiments(models, [], settings=SuggestSettings(n=1),
                             optimise=Optimise("Yield (%)"))
    assert abs(up.suggestions[0].conditions[core] - 70.0) < 15.0
    assert "Yield (%)" in up.suggestions[0].reason
    down = suggest_experiments(models, [], settings=SuggestSettings(n=1),
                               optimise=Optimise("Yield (%)", highest=False))
    assert abs(down.suggestions[0].conditions[core] - 70.0) > 40.0
    # the highest yield while the length stays 55 +- 2 nm: core 70 needs OA, nothing else
    both = suggest_experiments(models, [Want("Length (nm)", 55.0, 2.0)],
                               settings=SuggestSettings(n=1), optimise=Optimise("Yield (%)"))
    s = both.suggestions[0]
    level = models.space.level_text("Ligand", s.conditions[models.inputs.index("Ligand")])
    length, yield_ = truth(np.array([s.conditions[core]]), [level])
    assert abs(length[0] - 55.0) < 4.0 and yield_[0] > 80.0
    with pytest.raises(DataError, match="both in a window"):
        suggest_experiments(models, [Want("Yield (%)", 80.0, 2.0)],
                            optimise=Optimise("Yield (%)"))
    with pytest.raises(DataError, match="not a target"):
        suggest_experiments(models, [], optimise=Optimise("Width"))


def test_a_list_is_chosen_from_with_its_new_levels_and_missing_cells():
    rng = np.random.default_rng(8)
    core = np.round(rng.uniform(0, 100, 20), 1)
    ds = table(core, [("OA", "OLA")[i % 2] for i in range(20)])
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=5, loo_max=1))
    m = FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev)
    listed = table(np.array([10.0, 50.0, 90.0, 40.0]), ["OA", "TOP", "OLA", "OA"], "c")
    listed.table.iat[3, 1] = None  # a missing amount
    found = candidate_list(m, listed)
    assert list(found.rows) == [0, 1, 2]
    assert any("missing" in note and "rows 4" in note for note in found.skipped)
    assert any("never saw" in note for note in found.skipped)  # TOP, new to the models
    result = suggest_experiments(m, [Want("Length (nm)", 45.0, 2.0)],
                                 settings=SuggestSettings(n=3), pool=found.conditions)
    assert {s.candidate for s in result.suggestions} <= {0, 1, 2}
    assert len({s.candidate for s in result.suggestions}) == len(result.suggestions)


def test_from_a_list_a_near_miss_is_not_pushed_away():
    """Choosing from a list, a replicate of the measured row that came closest stays a
    candidate (the model already knows that row); a box search keeps its distance."""
    rng = np.random.default_rng(2)
    core = np.round(rng.uniform(0, 100, 24), 1)
    ligand = ["OLA"] * 24
    ds = table(core, ligand)
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=6, loo_max=1))
    m = FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev)
    length, _ = truth(core, ligand)
    closest = int(np.argmin(np.abs(length - 62.0)))
    pool = np.array([[core[closest]], [5.0], [99.0]])  # the ligand is constant: left out
    result = suggest_experiments(m, [Want("Length (nm)", float(length[closest]), 1.0)],
                                 settings=SuggestSettings(n=1), pool=pool)
    assert result.suggestions[0].candidate == 0


def test_find_conditions_pushes_a_target_up_while_a_window_holds(models):
    from nrstudio.core.modeling.design import DesignSettings, design_conditions

    # Lengths of 62..68 nm come from every ligand; the yield, highest at 70 nmol, is best
    # with OLA near 66 nmol (89.9%), and lower where the window alone leads (OA at 90 nmol).
    wants = [Want("Length (nm)", 65.0, 3.0)]
    settings = DesignSettings(top=3, seed=2)

    def best_in_truth(result):  # type: ignore[no-untyped-def]
        c = result.candidates[0]
        ligand = models.space.level_text("Ligand", c.conditions[1])
        length, yield_ = truth(np.array([c.conditions[0]]), [ligand])
        return float(length[0]), float(yield_[0]), c

    _, window_only, _ = best_in_truth(design_conditions(models, wants, settings=settings))
    length, pushed, best = best_in_truth(design_conditions(models, wants, settings=settings,
                                                           optimise=Optimise("Yield (%)")))
    assert abs(length - 65.0) <= 3.0 + 1.0  # the window holds (to the model's error)
    assert pushed >= 89.0 and pushed > window_only
    assert "to be above the best measured" in best.reason
    with pytest.raises(DataError, match="both in a window"):
        design_conditions(models, [Want("Yield (%)", 80.0, 5.0)], optimise=Optimise("Yield (%)"))


def test_a_design_that_cannot_beat_the_best_measured_says_so(models):
    from nrstudio.core.modeling.design import design_conditions

    # The yield peaks at 90% (core 70): with the core held far from it, no candidate can
    # beat the best yield measured, and the message names the yield, not only the windows.
    space = DesignSpace(bounds={"Core (nmol)": (0.0, 10.0)})
    result = design_conditions(models, [], space, optimise=Optimise("Yield (%)"))
    assert "No candidate reaches a useful probability" in result.limit
    assert "Yield (%) must beat the best measured" in result.limit
    assert "reaches only" in result.limit


def test_suggestions_are_found_where_the_samples_fill_a_thin_part_of_the_box():
    # One condition at a time varied around a standard recipe, and columns computed from
    # the conditions (products, ratios), as real lab tables hold: every point of the box
    # lies far from the samples (none of 4,096 within two spacings), so the search also
    # draws candidates between neighbouring samples.
    rng = np.random.default_rng(5)
    base = np.tile(np.linspace(3.0, 6.0, 4), (60, 1))
    for i in range(60):
        base[i, i % 4] = rng.choice(np.linspace(1.0, 10.0, 10))
    derived = ([base[:, i] * base[:, j] for i in range(4) for j in range(i + 1, 4)]
               + [base[:, i] / base[:, (i + 1) % 4] for i in range(4)])
    x = np.round(np.column_stack([base, *derived]), 3)
    y = 10 + 2 * base[:, 0] - base[:, 1] + 0.5 * base[:, 2] + rng.normal(0.0, 0.3, 60)
    cols = ([Column("Sample", Role.SAMPLE_ID)]
            + [Column(f"x{j}", Role.INPUT) for j in range(x.shape[1])]
            + [Column("Size (nm)", Role.TARGET, "nm")])
    ds = Dataset.from_records(cols, [[f"s{i}", *x[i], y[i]] for i in range(60)])
    ev = cross_validate(ds, EvaluationSettings(
        baselines=("gaussian_process",), network=NetworkSettings(max_epochs=2, patience=1),
        folds=6, loo_max=1))
    m = FinalModels(None, fit_tabular_set(ds, ("gaussian_process",)), ev)
    for mode, wants in (("reach", [Want("Size (nm)", 20.0, 1.0)]), ("learn", [])):
        result = suggest_experiments(m, wants, settings=SuggestSettings(n=3, mode=mode))
        assert len(result.suggestions) == 3, (mode, result.limit)
        assert all(not s.out_of_domain for s in result.suggestions)
