"""What a team looks for at each kind of hotspot, said briefly for a phone screen at night.

Drawn from the campaign's own practice (people shelter where it is warmer, out of
the wind, or where they can lie down unseen); a category without a line here
gets the general reminder.
"""

from __future__ import annotations

LOOK_FOR: dict[str, str] = {
    "station": "候车厅、出入口、地下通道和长椅 Waiting halls, entrances, passages and benches",
    "bridge": "桥下、涵洞内和桥墩背风处 Under the deck, inside culverts, lee of the piers",
    "underpass": "通道两端和台阶下 Both ends of the passage and under the stairs",
    "construction": "工棚、未完工楼层和材料堆后 Site huts, unfinished floors, behind materials",
    "park": "亭子、长椅、公厕和灌木丛 Pavilions, benches, toilets and shrubs",
    "market": "摊位下、棚子和门洞 Under stalls, in sheds and doorways",
}
GENERAL = "避风、有热气或隐蔽的角落 Sheltered, warm or hidden corners"


def look_for(category: str) -> str:
    """The bilingual hint for ``category``, or the general one."""
    return LOOK_FOR.get(category, GENERAL)
