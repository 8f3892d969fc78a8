"""Keyboard shortcuts for staff in real Chromium (static/js/staff-keys.js): j/k walk the queue,
Enter opens a ticket, r and n go to the reply and the note, / to the search box, ? lists them;
none of them fires while a field is being typed in."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ..factories import gen_ticket
from ..support.staff import staff
from .test_board import PASSWORD, log_in

pytestmark = pytest.mark.browser


def focused(page) -> dict:
    return page.evaluate("""() => {
        const el = document.activeElement;
        return {tag: el.tagName, id: el.id, text: (el.textContent || '').trim(),
                row: el.closest('tr') ? el.closest('tr').dataset.code : null};
    }""")


def test_staff_walks_the_queue_and_answers_from_the_keyboard(app, desktop_page, live_url):
    now = datetime.now(UTC)
    user = staff(now - timedelta(days=3), "staf", "PUMK", password=PASSWORD)
    tickets = [gen_ticket(now - timedelta(hours=3 - i), subject=f"Halal nomor {i}")
               for i in range(3)]
    page = desktop_page
    log_in(page, live_url, user.email)
    page.goto(live_url + "/staf/antrian")
    rows = page.locator("table.queue tbody tr[data-code]")
    order = [rows.nth(i).get_attribute("data-code") for i in range(rows.count())]
    assert sorted(order) == sorted(t.code for t in tickets)

    page.keyboard.press("j")
    assert focused(page)["row"] == order[0]
    page.keyboard.press("j")
    page.keyboard.press("j")
    page.keyboard.press("j")  # the last row stays the last
    assert focused(page)["row"] == order[2]
    page.keyboard.press("k")
    assert focused(page)["row"] == order[1]
    assert page.locator("tr.key-current").get_attribute("data-code") == order[1]

    # '/' goes to the search box; typed there, j and / are just letters
    page.keyboard.press("/")
    assert focused(page)["id"] == "q"
    page.keyboard.type("j/k")
    assert page.locator("#q").input_value() == "j/k"
    assert focused(page)["id"] == "q"

    # '?' lists the shortcuts (also from the footer's button); Esc closes the list
    page.locator("#q").blur()
    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="Pintasan papan ketik")
    dialog.wait_for()
    assert "Ke catatan internal" in dialog.inner_text()
    page.keyboard.press("j")  # not while the list is open
    assert page.locator("tr.key-current").get_attribute("data-code") == order[1]
    page.keyboard.press("Escape")
    dialog.wait_for(state="hidden")
    page.get_by_role("button", name="Pintasan papan ketik (?)").click()
    dialog.wait_for()
    dialog.get_by_role("button", name="Tutup").click()
    dialog.wait_for(state="hidden")

    # Enter opens the ticket j is on; r goes to the reply, n to the note
    page.keyboard.press("j")
    code = focused(page)["row"]
    page.keyboard.press("Enter")
    page.wait_for_url(f"**/staf/tiket/{code}")
    page.keyboard.press("r")
    assert page.evaluate("document.activeElement.closest('.reply-box') !== null")
    assert focused(page)["tag"] == "TEXTAREA"
    page.keyboard.type("Baik, kami bantu. n r j")  # typing, not shortcuts
    assert focused(page)["tag"] == "TEXTAREA"
    assert page.evaluate("document.activeElement.value") == "Baik, kami bantu. n r j"
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("n")
    assert focused(page)["id"] == "note-body"
    # with a modifier the browser's own shortcut wins: nothing moves
    page.evaluate("document.activeElement.blur()")
    page.keyboard.press("Alt+j")
    assert focused(page)["tag"] == "BODY"


def test_visitors_get_no_shortcuts_or_button(desktop_page, live_url):
    page = desktop_page
    page.goto(live_url + "/")
    assert page.locator("#pintasan").count() == 0
    assert page.locator("script[src$='staff-keys.js']").count() == 0
    page.keyboard.press("?")
    assert page.get_by_role("dialog").count() == 0
