"use strict";
// Names and roles that the admin's scripted widgets leave out (WCAG 2.2 AA, 4.1.2; checked by axe in
// tests/browser/test_accessibility.py). The widgets build their markup in the browser after the page has
// loaded (select2 when jQuery is ready, the filter_horizontal boxes on "load", both again for each inline row
// added), so a MutationObserver fixes each piece of markup as it appears instead of racing those scripts.
{
    // Each select's own name: the aria-label given on the server (rows of tabular inlines) or its <label>.
    function nameOf(select) {
        const label = select.labels && select.labels[0];
        return select.getAttribute("aria-label") || (label ? label.textContent.trim() : "");
    }

    // Select2 (autocomplete_fields) names its combobox only by the chosen value, which is empty at first.
    function nameSelect2(container) {
        const select = container.previousElementSibling;
        const selection = container.querySelector(".select2-selection");
        if (!select || select.tagName !== "SELECT" || !selection) {
            return;
        }
        const name = nameOf(select);
        if (!name) {
            return;
        }
        selection.setAttribute("aria-label", name);
        const rendered = selection.querySelector(".select2-selection__rendered[id]");
        if (rendered) {
            // Single choice: the combobox reads the field's name, then the chosen value. The value is not
            // a (nameless, read-only) textbox of its own.
            selection.id = selection.id || `${select.id}-combobox`;
            selection.setAttribute("aria-labelledby", `${selection.id} ${rendered.id}`);
            rendered.removeAttribute("role");
            rendered.removeAttribute("aria-readonly");
        }
        const search = selection.querySelector(".select2-search__field");
        if (search) {
            search.setAttribute("aria-label", name);
        }
    }

    function fix(root) {
        const within = (selector) => [
            ...(root.matches(selector) ? [root] : []),
            ...root.querySelectorAll(selector),
        ];
        within("select + .select2-container").forEach(nameSelect2);
        // The "remove all" cross (mouse only; the keyboard clears with Backspace) sits inside the chosen value,
        // so it would be read as part of the field's name, and inside the list of a multiple choice, whose
        // items have their own remove crosses: hidden from assistive technology.
        within(".select2-selection__clear").forEach((clear) => {
            clear.setAttribute("aria-hidden", "true");
        });
        // filter_horizontal: the search icon names the filter box through aria-label, allowed only with a role.
        within(".help-tooltip[aria-label]:not([role])").forEach((icon) => icon.setAttribute("role", "img"));
        // Tabular inlines scroll sideways on a phone: the scrolling box must be reachable by keyboard.
        within("fieldset[aria-labelledby] > .wrapper:not([tabindex])").forEach((wrapper) => {
            wrapper.tabIndex = 0;
            wrapper.setAttribute("role", "region");
            wrapper.setAttribute("aria-labelledby", wrapper.parentElement.getAttribute("aria-labelledby"));
        });
    }

    fix(document.body);
    new MutationObserver((records) => {
        for (const record of records) {
            for (const node of record.addedNodes) {
                if (node.nodeType === Node.ELEMENT_NODE) {
                    fix(node);
                }
            }
        }
    }).observe(document.body, {childList: true, subtree: true});
}
