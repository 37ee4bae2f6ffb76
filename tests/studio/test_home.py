"""The login page, the factory list and a factory's overview, in Chromium."""

from __future__ import annotations

from playwright.sync_api import Page, expect

from tests.studio.conftest import Studio


def test_sign_in_create_a_factory_and_open_it(studio: Studio, page: Page) -> None:
    page.goto(studio.url + "/")
    expect(page).to_have_url(studio.url + "/login?next=%2Fstudio%2F")
    page.get_by_label("API key").fill("pgf_wrong_" + "x" * 30)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("alert")).to_contain_text("not a valid pgfactory API key")
    expect(page.get_by_label("API key")).to_have_attribute("aria-invalid", "true")
    studio.shot(page, "login-error")
    studio.sign_in(page)
    expect(page.get_by_role("heading", name="Factories")).to_be_visible()
    page.get_by_label("Name").fill("sales-factory")
    page.get_by_role("button", name="Create factory").click()
    expect(page.get_by_role("heading", name="sales-factory")).to_be_visible()
    expect(page.get_by_role("navigation", name="Hubs").get_by_role("link", name="Manage")).to_be_visible()
    studio.shot(page, "overview")
    page.get_by_role("button", name="Sign out").click()
    expect(page).to_have_url(studio.url + "/login")
    page.goto(studio.url + "/")
    expect(page.get_by_role("heading", name="Sign in to pgfactory studio")).to_be_visible()


def test_keyboard_reaches_everything_with_a_visible_focus_and_a_narrow_window_stacks_the_hubs(
        studio: Studio, page: Page) -> None:
    studio.sign_in(page)
    page.get_by_label("Name").fill("f1")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="f1")).to_be_visible()
    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip to content")
    expect(skip).to_be_focused()
    assert skip.evaluate("element => getComputedStyle(element).left") != "-999px"  # shown while focused
    for _ in range(4):  # brand, factory, sign out, then the first hub
        page.keyboard.press("Tab")
    focused = page.locator(":focus")
    expect(focused).to_have_text("Author")
    assert focused.evaluate("element => getComputedStyle(element).outlineStyle") == "solid"
    page.set_viewport_size({"width": 420, "height": 800})
    rail = page.get_by_role("navigation", name="Hubs").bounding_box()
    assert rail is not None and rail["width"] > 380 and rail["height"] < 80  # a bar across the top, not a column
    assert page.evaluate("document.documentElement.scrollWidth") <= 420  # nothing wider than the window
    studio.shot(page, "overview-narrow")
