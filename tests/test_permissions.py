"""What a token may do: one allow policy, Workers AI groups only, one account."""

from __future__ import annotations

import pytest

from breeze_infra.permissions import (
    PermissionGroupError,
    account_resources,
    group_names,
    name_filter,
    policy_document,
    request_ip_condition,
    select_group_id,
)
from breeze_infra.sandbox.refusals import PERMISSION_GROUPS
from tests.conftest import ACCOUNT_ID


def test_read_alone_is_the_default_group_and_write_adds_its_group() -> None:
    assert group_names(["read"]) == ["Workers AI Read"]
    assert group_names(["write", "read"]) == ["Workers AI Read", "Workers AI Write"]


def test_name_filter_is_the_plain_name_since_the_client_encodes_the_query() -> None:
    assert name_filter("Workers AI Read") == "Workers AI Read"


def test_resources_name_exactly_one_account_as_compact_json_text() -> None:
    assert account_resources(ACCOUNT_ID) == f'{{"com.cloudflare.api.account.{ACCOUNT_ID}":"*"}}'


def test_policy_sends_sorted_unique_ids() -> None:
    document = policy_document(ACCOUNT_ID, ["bbb", "aaa", "bbb"])
    assert document["effect"] == "allow"
    assert document["permission_groups"] == [{"id": "aaa"}, {"id": "bbb"}]


def test_selection_ignores_decoys_with_similar_names() -> None:
    listing = [
        *PERMISSION_GROUPS,
        {
            "id": "decoy1",
            "name": "Workers AI Read (legacy)",
            "scopes": ["com.cloudflare.api.account"],
        },
        {"id": "decoy2", "name": "Workers AI Read", "scopes": ["com.cloudflare.api.user"]},
    ]
    assert select_group_id(listing, "Workers AI Read") == "a92d2450e05d4e7bb7d0a64968f83d11"


def test_a_missing_group_says_what_to_check() -> None:
    with pytest.raises(
        PermissionGroupError, match="no account-scoped permission group named 'Workers AI Read'"
    ):
        select_group_id(
            [g for g in PERMISSION_GROUPS if g["name"] != "Workers AI Read"], "Workers AI Read"
        )


def test_two_groups_with_the_same_name_are_not_guessed_between() -> None:
    listing = [
        {"id": "one", "name": "Workers AI Read", "scopes": ["com.cloudflare.api.account"]},
        {"id": "two", "name": "Workers AI Read", "scopes": ["com.cloudflare.api.account"]},
    ]
    with pytest.raises(PermissionGroupError, match="refusing to guess"):
        select_group_id(listing, "Workers AI Read")


def test_ip_condition_only_when_lists_are_given() -> None:
    assert request_ip_condition([], []) is None
    assert request_ip_condition(["192.0.2.0/24"], []) == {"request_ip": {"ins": ["192.0.2.0/24"]}}
    assert request_ip_condition([], ["192.0.2.0/24"]) == {
        "request_ip": {"not_ins": ["192.0.2.0/24"]}
    }
