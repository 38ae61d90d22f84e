"""The journeys' page checks can fail: a page with a serious accessibility fault, or too wide
for a phone, is reported with what is wrong."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page

from tests.e2e.checks import Journey

pytestmark = pytest.mark.browser

FAULTY_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head><body>
<main><h1>Essai</h1>
<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
<p style="color:#bbb;background:#fff">Texte trop pâle</p>
<div style="width:600px">Trop large</div>
</main></body></html>"""

GOOD_PAGE = """<!DOCTYPE html><html lang="fr"><head><title>Essai</title></head><body>
<main><h1>Essai</h1><p>Un texte lisible.</p></main></body></html>"""


def test_a_faulty_page_is_reported_with_its_faults(page: Page) -> None:
    journey = Journey(page, "essai")

    page.set_content(FAULTY_PAGE)
    journey.check()

    report = "\n".join(journey.problems)
    assert "scrolls sideways at 375px" in report
    assert "div (" in report  # names what is too wide
    assert "axe critical image-alt" in report
    assert "axe serious color-contrast" in report
    with pytest.raises(AssertionError, match="image-alt"):
        journey.finish()


def test_a_sound_page_passes(page: Page) -> None:
    journey = Journey(page, "essai")

    page.set_content(GOOD_PAGE)
    journey.check()

    assert journey.problems == []
