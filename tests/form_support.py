"""A browser's view of a rendered form, for the tests that post a page's form back as a person would.

The test client posts whatever it is given; a browser first drops the values its inputs cannot hold (the
HTML "value sanitization algorithm"): a number input keeps only a valid floating-point number ("94,00"
becomes empty), a date input only YYYY-MM-DD, a time input only HH:MM[:SS[.fff]]. form_data() applies the
same rules, so a value the page writes in a form its input cannot show is lost here as it is in a browser.
"""

import datetime
import re
from html.parser import HTMLParser

NUMBER = re.compile(r"-?(\d+(\.\d+)?|\.\d+)([eE][+-]?\d+)?")
TIME = re.compile(r"([01]\d|2[0-3]):[0-5]\d(:[0-5]\d(\.\d{1,3})?)?")
NOT_SUBMITTED = {"submit", "button", "reset", "image", "file"}


def sanitized(input_type, value):
    """The value a browser keeps in an input of this type (the HTML value sanitization algorithm)."""
    if input_type in {"text", "search", "tel", "password", "hidden"}:
        return value.replace("\r", "").replace("\n", "")
    if input_type == "number":
        return value if NUMBER.fullmatch(value) else ""
    if input_type == "date":
        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return ""
        return value if re.fullmatch(r"\d{4}-\d{2}-\d{2}", value) else ""
    if input_type == "time":
        return value if TIME.fullmatch(value) else ""
    return value


class Form:
    def __init__(self, attrs):
        self.attrs = attrs
        self.fields = []  # (name, value) in document order, as the browser submits them
        self.inputs = {}  # name -> the attributes of the (first) input, select or textarea of that name

    def names(self):
        return {name for name, _value in self.fields}


class FormParser(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.forms, self.form = [], None
        self.select, self.options, self.option, self.textarea = None, [], None, None

    def handle_starttag(self, tag, attrs):
        attrs = {name: "" if value is None else value for name, value in attrs}
        if tag == "form":
            self.form = Form(attrs)
            self.forms.append(self.form)
        elif self.form is None:
            return
        elif tag == "input":
            self.add_input(attrs)
        elif tag == "select":
            self.select, self.options = attrs, []
        elif tag == "option" and self.select is not None:
            self.option = {**attrs, "text": ""}
            self.options.append(self.option)
        elif tag == "textarea":
            self.textarea = {**attrs, "text": ""}

    def handle_startendtag(self, tag, attrs):
        self.handle_starttag(tag, attrs)

    def handle_data(self, data):
        if self.option is not None:
            self.option["text"] += data
        if self.textarea is not None:
            self.textarea["text"] += data

    def handle_endtag(self, tag):
        if tag == "form":
            self.form = None
        elif tag == "option":
            self.option = None
        elif tag == "select" and self.select is not None:
            self.end_select()
        elif tag == "textarea" and self.textarea is not None:
            text = self.textarea["text"]
            # A newline right after <textarea> is not part of the value (HTML parsing rules).
            text = text[1:] if text.startswith("\n") else text
            self.add(self.textarea, text.replace("\r\n", "\n"))
            self.textarea = None

    def add(self, attrs, value):
        name = attrs.get("name")
        if not name or "disabled" in attrs or self.form is None:
            return
        self.form.inputs.setdefault(name, attrs)
        if value is not None:
            self.form.fields.append((name, value))

    def add_input(self, attrs):
        input_type = attrs.get("type", "text").lower()
        if input_type in NOT_SUBMITTED:
            if attrs.get("name"):
                self.form.inputs.setdefault(attrs["name"], attrs)
            return
        if input_type in {"checkbox", "radio"}:
            self.add(attrs, attrs.get("value", "on") if "checked" in attrs else None)
        else:
            self.add(attrs, sanitized(input_type, attrs.get("value", "")))

    def end_select(self):
        options = [o for o in self.options if "disabled" not in o]
        values = [o.get("value", o["text"].strip()) for o in options if "selected" in o]
        if not values and "multiple" not in self.select and options:
            values = [options[0].get("value", options[0]["text"].strip())]
        if not values:
            self.add(self.select, None)
        for value in values:
            self.add(self.select, value)
        self.select, self.options = None, []


def parse_forms(html):
    parser = FormParser()
    parser.feed(html)
    parser.close()
    return parser.forms


def form_with(html, field_name):
    """The first form of the page that has a field of this name."""
    for form in parse_forms(html):
        if field_name in form.inputs:
            return form
    raise AssertionError(f"no form with a field {field_name!r}")


def form_data(form, **changes):
    """The form's submission as the test client takes it ({name: [values]}), with `changes` applied (a
    value of None removes the field, as an unticked checkbox)."""
    data = {}
    for name, value in form.fields:
        data.setdefault(name, []).append(value)
    for name, value in changes.items():
        if value is None:
            data.pop(name, None)
        else:
            data[name] = value if isinstance(value, list) else [value]
    return data


def input_values(form, prefix):
    """{name: value} of the submitted fields whose name starts with `prefix`."""
    return {name: value for name, value in form.fields if name.startswith(prefix)}
