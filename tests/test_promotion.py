import pytest

from models.promotion import decide, improvement, intervals_overlap


def figures(auc: float, half_width: float = 0.01) -> dict:
    return {"roc_auc": auc, "roc_auc_ci_low": auc - half_width, "roc_auc_ci_high": auc + half_width}


def gate(**changes):
    arguments = {
        "primary_metric": "roc_auc",
        "margin": 0.005,
        "challenger": figures(0.80),
        "point_table": figures(0.70),
        "champion": None,
        "train_conversions": 500,
        "min_train_conversions": 120,
    } | changes
    return decide(**arguments)


def test_first_model_that_beats_the_point_table_is_promoted():
    decision = gate()
    assert decision.promote and decision.signal and decision.enough_data
    assert "no champion" in " ".join(decision.reasons)


def test_a_challenger_no_better_than_the_champion_is_not_promoted():
    decision = gate(champion={"roc_auc": 0.798})
    assert not decision.promote
    assert "champion stays" in decision.reasons[-1]


def test_a_challenger_better_than_champion_and_table_by_the_margin_is_promoted():
    assert gate(champion={"roc_auc": 0.79}).promote


def test_beating_the_champion_by_less_than_the_margin_is_not_enough():
    assert not gate(champion={"roc_auc": 0.797}).promote


def test_a_model_not_better_than_the_point_table_is_not_promoted():
    decision = gate(challenger=figures(0.80, 0.001), point_table=figures(0.7965, 0.001))
    assert decision.signal and not decision.promote


def test_overlapping_intervals_mean_no_signal():
    decision = gate(challenger=figures(0.72, 0.03), point_table=figures(0.70, 0.03))
    assert not decision.promote and not decision.signal
    assert "no signal beyond the point table" in decision.reasons[0]


def test_too_few_training_conversions_block_promotion_and_say_so():
    decision = gate(train_conversions=40)
    assert not decision.promote and not decision.enough_data
    assert decision.reasons[0].startswith("too little data: 40 converted leads")


def test_lower_is_better_metrics_point_the_other_way():
    assert improvement(0.10, 0.12, "brier") == pytest.approx(0.02)
    assert improvement(0.80, 0.78, "roc_auc") == pytest.approx(0.02)
    decision = gate(
        primary_metric="brier",
        challenger=figures(0.8) | {"brier": 0.10},
        point_table=figures(0.7) | {"brier": 0.15},
    )
    assert decision.promote
    with pytest.raises(ValueError, match="unknown primary metric"):
        improvement(1, 0, "accuracy")


def test_interval_overlap():
    assert intervals_overlap((0.1, 0.3), (0.25, 0.4))
    assert not intervals_overlap((0.1, 0.2), (0.25, 0.4))
