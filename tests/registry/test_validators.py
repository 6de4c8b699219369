import pytest
from django.core.exceptions import ValidationError

from qingshan.registry.validators import (
    credit_code_problem,
    validate_credit_code,
    validate_industry_code,
    validate_mn,
)

# unified social credit codes published by the companies themselves (business licences)
PUBLISHED = ["9144030071526726XG", "91330100716105852F", "914403001922038216", "91110000100006485K"]


@pytest.mark.parametrize("code", PUBLISHED)
def test_published_codes_are_accepted(code):
    assert credit_code_problem(code) is None


@pytest.mark.parametrize("code", PUBLISHED)
def test_every_single_character_change_is_caught(code):
    alphabet = "0123456789ABCDEFGHJKLMNPQRTUWXY"
    for position in range(18):
        for replacement in "0A":
            if code[position] == replacement:
                continue
            wrong = code[:position] + replacement + code[position + 1 :]
            assert credit_code_problem(wrong) is not None, wrong
    assert all(c in alphabet for c in code)


def test_wrong_check_character_says_which_is_expected():
    with pytest.raises(ValidationError) as info:
        validate_credit_code("91330100716105852A")
    assert "第 18 位应为 'F'" in info.value.messages[0]


@pytest.mark.parametrize(
    ("code", "phrase"),
    [
        ("9133010071610585", "应为 18 位"),
        ("91330100716105852f", "请使用大写字母"),
        ("91330100716I05852F", "第 12 位字符 'I'"),
        ("9133A100716105852F", "第 3–8 位"),
    ],
)
def test_malformed_codes_are_explained(code, phrase):
    problem = credit_code_problem(code)
    assert problem is not None and phrase in problem


@pytest.mark.parametrize("code", ["1713", "C1713", "44", "4411"])
def test_industry_codes_accepted(code):
    validate_industry_code(code)


@pytest.mark.parametrize("code", ["", "1", "171345", "c1713", "Z1713"])
def test_industry_codes_rejected(code):
    with pytest.raises(ValidationError):
        validate_industry_code(code)


def test_mn_rules():
    validate_mn("010000A8900016F000169DC0")
    for bad in ["", "A" * 25, "MN-01", "测试"]:
        with pytest.raises(ValidationError):
            validate_mn(bad)
