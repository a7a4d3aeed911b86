"""`base_url_from`: a host only; credentials in the URL are refused without being repeated."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from hypothesis import given
from hypothesis import strategies as st

from escalate._doctor import ENV_BASE_URL, SettingsError, base_url_from

#: userinfo as someone might paste it: any printable text, percent-encoded where a URL needs it
#: (a canary prefix, so that "not repeated" cannot pass or fail by a one-letter coincidence)
USERINFO_PART = st.text(st.characters(min_codepoint=33, max_codepoint=126)).map(
    lambda text: "CANARY" + quote(text, safe="")
)


@given(user=USERINFO_PART, secret=USERINFO_PART, scheme=st.sampled_from(["http", "https"]))
def test_userinfo_is_refused_and_never_repeated(user: str, secret: str, scheme: str) -> None:
    """Any `user:secret@` in --base-url or RC_BASE_URL: SettingsError naming neither."""
    url = f"{scheme}://{user}:{secret}@api.example.com:8443/"
    for option, environ in ((url, {}), (None, {ENV_BASE_URL: url})):
        with pytest.raises(SettingsError) as refused:
            base_url_from(option, environ)
        assert "CANARY" not in str(refused.value)


@pytest.mark.parametrize(
    "url", ["https://api.example.com", "http://127.0.0.1:8080/", "https://h.example/base/p@th"]
)
def test_a_plain_host_is_kept(url: str) -> None:
    """A URL without userinfo is accepted (an `@` in the path is not userinfo)."""
    assert base_url_from(url, {}) == url.rstrip("/")
