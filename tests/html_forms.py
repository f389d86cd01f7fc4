"""Reading a page's form as a browser would submit it (for tests that re-submit forms)."""

from __future__ import annotations

from html.parser import HTMLParser


class FormFields(HTMLParser):
    """The fields of the page's POST forms that submit to ``action`` (or to the page itself),
    with the values a browser would send unchanged."""

    def __init__(self, action: str):
        super().__init__()
        self.action, self.fields, self._in_form, self._select, self._textarea = action, [], False, None, None
        self.names: set[str] = set()  # every control, sent or not (an unticked box, an empty multi-select)
        self.text_fields: list[str] = []  # where a user types free text: text-like inputs and text areas
        self._options: list[tuple[str, bool]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        if tag == "form":
            self._in_form = (a.get("method") or "get").lower() == "post" and a.get("action") in (None, "", self.action)
        if not self._in_form:
            return
        name = a.get("name")
        if name and tag in ("input", "select", "textarea"):
            self.names.add(name)
        if tag == "input" and name and "disabled" not in a:
            kind = (a.get("type") or "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self.fields.append((name, a.get("value", "")))
                if kind in ("text", "search", "email", "url", "tel") and name not in self.text_fields:
                    self.text_fields.append(name)
        elif tag == "select" and name:
            self._select, self._options, self._multiple = name, [], "multiple" in a
        elif tag == "option" and self._select:
            self._options.append((a.get("value", ""), "selected" in a))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, ""
            self.text_fields.append(name)

    def handle_data(self, data):
        if self._textarea:
            self._text += data

    def handle_endtag(self, tag):
        if tag == "form":
            self._in_form = False
        elif tag == "select" and self._select:
            chosen = [v for v, selected in self._options if selected]
            if not chosen and self._options and not self._multiple:
                chosen = [self._options[0][0]]  # what a browser submits for a select with nothing marked
            self.fields += [(self._select, v) for v in chosen]
            self._select = None
        elif tag == "textarea" and self._textarea:
            # A browser drops the one line break that follows <textarea>.
            self.fields.append((self._textarea, self._text.removeprefix("\r\n").removeprefix("\n")))
            self._textarea = None


def page_form(client, url: str) -> FormFields:
    response = client.get(url)
    assert response.status_code == 200, url
    parser = FormFields(url)
    parser.feed(response.get_data(as_text=True))
    assert parser.fields, f"no POST form on {url}"
    return parser
