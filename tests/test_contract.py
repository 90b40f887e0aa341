from features import contract


def test_every_table_has_unique_columns_and_its_key_among_them():
    for table in contract.TABLES.values():
        assert len(set(table.column_names)) == len(table.column_names)
        assert set(table.key) <= set(table.column_names)
        assert set(table.required_columns) <= set(table.column_names)


def test_activity_vocabulary_is_the_documented_one():
    assert len(contract.ACTIVITY_TYPES) == 15
    assert {"pricing_page_view", "demo_request", "unsubscribe", "careers_page_view"} <= set(
        contract.ACTIVITY_TYPES
    )


def test_outcome_statuses():
    assert contract.OUTCOME_STATUSES == ("converted", "disqualified")
