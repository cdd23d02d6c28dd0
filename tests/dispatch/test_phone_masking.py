"""Phone numbers typed into a report's text are masked in the case log, in the forms people
write Chinese numbers in; other text is left alone."""

from __future__ import annotations

import pytest

from dispatch.caselog import MASK, mask_phones

PHONES = [
    "13812345678", "138 1234 5678", "138-1234-5678", "138.1234.5678", "138_1234_5678",
    "+86 138 1234 5678", "＋86 138 1234 5678", "(0635) 8212345", "（0635）8212345",
    "0635-8212345", "１３８１２３４５６７８", "一三八一二三四五六七八", "幺三八 幺二三四 五六七八",
    "138/1234/5678", "138 - 1234 - 5678", "138. 1234. 5678",
]
KEPT = [
    "两个人在桥下", "21:30 看到一位老人", "3 people, 2 elderly", "温度 -15 °C", "报告 7K3M9QPA",
    "一二三", "第3排 5号",
]


@pytest.mark.parametrize("phone", PHONES)
def test_every_written_form_of_a_phone_is_masked(phone: str) -> None:
    masked = mask_phones(f"报告人说 {phone} 可以联系")
    assert MASK in masked
    digits = [c for c in masked if c.isdigit() or c in "一二三四五六七八九〇零幺"]
    assert len(digits) < 4, masked


@pytest.mark.parametrize("text", KEPT)
def test_other_text_is_left_alone(text: str) -> None:
    assert mask_phones(text) == text
