"""The Connect page in headless Chromium: each sandbox flow from the Connect URL to the
application's redirect URI, then the token exchange and a data read with the official SDK.
Screenshots of every step land in tests/artifacts/<backend>/connect/."""

from __future__ import annotations

import re
from typing import Any

import finch
import pytest
from finch import Finch

from finch_sandbox.testing import ThreadedServer
from tests.browser.conftest import RedirectReceiver, Shots
from tests.clients import make_client
from tests.connect import new_session
from tests.spec import SpecRecorder

Page = tuple[Any, Shots]


def open_session(app_client: Finch, receiver: RedirectReceiver, **options: Any) -> str:
    _, url = new_session(app_client, redirect_uri=receiver.url, **options)
    return url


def exchange(app_client: Finch, receiver: RedirectReceiver) -> Any:
    return app_client.access_tokens.create(code=receiver.last()["code"], redirect_uri=receiver.url)


def back_at(page: Any, receiver: RedirectReceiver, shot: Shots) -> None:
    page.wait_for_url(re.compile("^" + re.escape(receiver.url)))
    assert page.get_by_role("heading").inner_text() == "Back at the application"
    shot("redirected")


def pick(page: Any, shot: Shots, provider: str, method: str) -> None:
    assert page.get_by_role("heading", level=1).inner_text() == "Select your payroll provider"
    page.get_by_label("Search providers").fill(provider[:5])
    assert "provider" in page.locator("#provider-count").inner_text()
    shot("providers")
    page.get_by_role("link", name=provider, exact=True).click()
    shot("methods")
    page.get_by_role("link", name=re.compile("^" + re.escape(method))).click()


def test_credential_flow_with_a_wrong_password_then_a_retry(
    page: Page,
    app_client: Finch,
    receiver: RedirectReceiver,
    server: ThreadedServer,
    spec_recorder: SpecRecorder,
) -> None:
    tab, shot = page
    tab.goto(open_session(app_client, receiver) + "&state=s-42")
    pick(tab, shot, "BambooHR", "Username and password")
    tab.get_by_label("Username").fill("good_user")
    tab.get_by_label("Password").fill("wrong")
    shot("filled")
    tab.get_by_role("button", name="Connect").click()
    alert = tab.get_by_role("alert")
    assert "incorrect" in alert.inner_text()
    # The error is announced and focused; the field is marked invalid and keeps the username.
    assert tab.evaluate("document.activeElement.getAttribute('role')") == "alert"
    assert tab.get_by_label("Password").get_attribute("aria-invalid") == "true"
    assert tab.get_by_label("Username").input_value() == "good_user"
    shot("wrong-password")
    tab.get_by_label("Password").fill("good_pass")
    tab.get_by_role("button", name="Connect").click()
    back_at(tab, receiver, shot)
    assert receiver.last()["state"] == "s-42"

    token = exchange(app_client, receiver)
    client = make_client(server.base_url, spec_recorder, token.access_token)
    directory = client.hris.directory.list()
    assert directory.paging.count == 20 and directory.individuals[0].first_name
    # The code was spent.
    with pytest.raises(finch.BadRequestError) as used:
        exchange(app_client, receiver)
    assert used.value.body["name"] == "invalid_grant_error"  # type: ignore[index]


def test_mfa_flow(
    page: Page, app_client: Finch, receiver: RedirectReceiver, server: ThreadedServer
) -> None:
    tab, shot = page
    tab.goto(open_session(app_client, receiver, integration={"provider": "justworks"}))
    # The session names the provider: no picker; Justworks offers more than one method.
    tab.get_by_role("link", name=re.compile("^Username and password")).click()
    tab.get_by_label("Username").fill("good_user_mfa")
    tab.get_by_label("Password").fill("mfa")
    tab.get_by_role("button", name="Connect").click()
    assert tab.get_by_role("heading", level=1).inner_text() == "Enter your verification code"
    assert tab.evaluate("document.activeElement.id") == "code"
    shot("mfa")
    tab.get_by_role("button", name="Verify").click()
    assert "Enter the verification code" in tab.get_by_role("alert").inner_text()
    shot("mfa-empty")
    tab.get_by_label("Verification code").fill("123456")
    tab.get_by_role("button", name="Verify").click()
    back_at(tab, receiver, shot)
    token = exchange(app_client, receiver)
    client = make_client(server.base_url, None, token.access_token)
    assert token.provider_id == "justworks"
    assert client.hris.directory.list().paging.count == 20


def test_multi_entity_flow(
    page: Page,
    app_client: Finch,
    receiver: RedirectReceiver,
    server: ThreadedServer,
    spec_recorder: SpecRecorder,
) -> None:
    tab, shot = page
    tab.goto(
        open_session(
            app_client, receiver, integration={"provider": "rippling", "auth_method": "credential"}
        )
    )
    tab.get_by_label("Username").fill("good_user_group")
    tab.get_by_label("Password").fill("multi_entity")
    tab.get_by_role("button", name="Connect").click()
    assert tab.get_by_role("heading", level=1).inner_text() == "Choose the entities to connect"
    boxes = tab.get_by_role("checkbox")
    assert boxes.count() == 3
    names = [tab.locator(f"label[for=entity-{i}] .entity-name").inner_text() for i in range(3)]
    shot("entities")
    for i in range(3):
        boxes.nth(i).uncheck()
    tab.get_by_role("button", name="Connect selected").click()
    assert "at least one" in tab.get_by_role("alert").inner_text()
    shot("entities-none")
    tab.get_by_label(names[0]).check()
    tab.get_by_label(names[2]).check()
    tab.get_by_role("button", name="Connect selected").click()
    back_at(tab, receiver, shot)

    token = exchange(app_client, receiver)
    assert len(token.entity_ids) == 2
    client = make_client(server.base_url, spec_recorder, token.access_token)
    entities = client.account.introspect().entities or []
    assert [e.name for e in entities] == [names[0], names[2]]
    with pytest.raises(finch.BadRequestError):
        client.hris.directory.list()  # several entities: the read must name one
    first = client.hris.directory.list(entity_ids=[token.entity_ids[0]])
    second = client.hris.directory.list(entity_ids=[token.entity_ids[1]])
    assert first.paging.count == 20 and second.paging.count == 5
    assert client.hris.company.retrieve(entity_ids=[token.entity_ids[1]]).legal_name == names[2]


def test_api_token_flow(
    page: Page, app_client: Finch, receiver: RedirectReceiver, server: ThreadedServer
) -> None:
    tab, shot = page
    tab.goto(
        open_session(
            app_client,
            receiver,
            integration={"provider": "paychex_flex", "auth_method": "api_token"},
        )
    )
    tab.get_by_label("API token").fill("not_it")
    tab.get_by_role("button", name="Connect").click()
    assert "good_token" in tab.get_by_role("alert").inner_text()
    shot("token-refused")
    tab.get_by_label("API token").fill("good_token")
    shot("token")
    tab.get_by_role("button", name="Connect").click()
    back_at(tab, receiver, shot)
    token = exchange(app_client, receiver)
    client = make_client(server.base_url, None, token.access_token)
    methods = client.account.introspect().authentication_methods or []
    assert [m.type for m in methods] == ["api_token"]
    assert client.hris.directory.list().paging.count == 20


def test_api_credentials_flow(
    page: Page, app_client: Finch, receiver: RedirectReceiver, server: ThreadedServer
) -> None:
    tab, shot = page
    tab.goto(open_session(app_client, receiver))
    pick(tab, shot, "Paychex Flex", "API client ID and secret")
    tab.get_by_label("Client ID").fill("good_user")
    tab.get_by_label("Client secret").fill("good_pass")
    tab.get_by_role("button", name="Connect").click()
    back_at(tab, receiver, shot)
    token = exchange(app_client, receiver)
    assert make_client(server.base_url, None, token.access_token).hris.company.retrieve().id


def test_oauth_flow(
    page: Page, app_client: Finch, receiver: RedirectReceiver, server: ThreadedServer
) -> None:
    tab, shot = page
    tab.goto(open_session(app_client, receiver))
    pick(tab, shot, "Gusto", "Sign in with the provider (OAuth)")
    shot("oauth")
    tab.get_by_role("button", name="Continue with Gusto").click()
    back_at(tab, receiver, shot)
    token = exchange(app_client, receiver)
    client = make_client(server.base_url, None, token.access_token)
    assert token.provider_id == "gusto"
    assert client.hris.directory.list().paging.count == 20


def test_expired_and_used_links_show_an_error(
    page: Page, app_client: Finch, receiver: RedirectReceiver, clock: Any
) -> None:
    from datetime import timedelta

    tab, shot = page
    url = open_session(app_client, receiver, minutes_to_expire=1)
    clock.advance(timedelta(minutes=2))
    tab.goto(url)
    assert tab.get_by_role("heading", level=1).inner_text() == "This link has expired"
    shot("expired")
    used = open_session(
        app_client, receiver, integration={"provider": "gusto", "auth_method": "oauth"}
    )
    tab.goto(used)
    tab.get_by_role("button", name="Continue with Gusto").click()
    back_at(tab, receiver, shot)
    tab.goto(used)
    assert tab.get_by_role("heading", level=1).inner_text() == "This link has already been used"
    shot("used")


STRUCTURE = """() => ({
  lang: document.documentElement.lang,
  h1: document.querySelectorAll('h1').length,
  unlabelled: [...document.querySelectorAll('input:not([type=hidden])')]
    .filter(i => i.labels.length === 0).map(i => i.name),
  external: [...document.querySelectorAll('link[href], script[src], img[src]')]
    .map(e => e.href || e.src).filter(u => !u.startsWith(location.origin)),
})"""


def assert_accessible_structure(tab: Any) -> None:
    found = tab.evaluate(STRUCTURE)
    assert found == {"lang": "en", "h1": 1, "unlabelled": [], "external": []}


def focused(tab: Any) -> str:
    return str(
        tab.evaluate(
            "(() => { const e = document.activeElement;"
            " return (e.labels && e.labels[0] ? e.labels[0].innerText : e.innerText).trim(); })()"
        )
    )


def test_the_page_works_from_the_keyboard_alone(
    page: Page, app_client: Finch, receiver: RedirectReceiver
) -> None:
    tab, shot = page
    tab.goto(open_session(app_client, receiver))
    assert_accessible_structure(tab)
    tab.keyboard.press("Tab")
    assert focused(tab) == "Skip to content"
    tab.keyboard.press("Tab")
    assert focused(tab) == "Search providers"
    tab.keyboard.type("justworks")
    assert tab.locator("#provider-count").inner_text() == "1 provider"
    tab.keyboard.press("Tab")  # the Search button
    tab.keyboard.press("Tab")  # the only provider left in the list
    assert "Justworks" in focused(tab)
    # Focus is visible: the focused link carries the focus ring.
    ring = tab.evaluate("getComputedStyle(document.activeElement).boxShadow")
    assert ring and ring != "none"
    shot("keyboard-provider")
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"provider=justworks$"))
    assert_accessible_structure(tab)
    tab.get_by_role("link", name=re.compile("^Username and password")).focus()
    tab.keyboard.press("Enter")
    tab.wait_for_url(re.compile(r"method=credential$"))
    assert_accessible_structure(tab)
    tab.get_by_label("Username").focus()
    tab.keyboard.type("good_user")
    tab.keyboard.press("Tab")
    assert focused(tab) == "Password"
    tab.keyboard.type("good_pass")
    shot("keyboard-sign-in")
    tab.keyboard.press("Enter")  # submits the form
    back_at(tab, receiver, shot)
    assert exchange(app_client, receiver).provider_id == "justworks"
